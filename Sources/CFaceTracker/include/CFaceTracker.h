// A C interface to dlib's HOG face detector and 68-point shape predictor (Debian's
// libdlib-dev and libdlib-data), so that Swift calls plain functions and never sees C++.
// Images are 8-bit grayscale, row-major, width × height bytes. Errors (a C++ exception, a
// model file that will not load) come back as a negative return and a message.
#ifndef CFACETRACKER_H
#define CFACETRACKER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tf_tracker tf_tracker;

/// A face rectangle in pixels (right and bottom exclusive) and the detector's score.
typedef struct {
    float left, top, right, bottom;
    float score;
} tf_box;

/// Loads the shape predictor at `model_path`; NULL on failure, with the reason in `error`
/// (at most `error_length` bytes including the terminator).
tf_tracker *tf_tracker_create(const char *model_path, char *error, int error_length);
void tf_tracker_destroy(tf_tracker *tracker);

/// The last error message of `tracker` (empty when there was none).
const char *tf_tracker_error(const tf_tracker *tracker);

/// Finds frontal faces scoring at least `threshold` (dlib's own default is 0), after
/// upsampling the image `upsample` times (0–2; each halves the smallest face found, at 4×
/// the time). Writes up to `max_boxes` boxes, best score first, and returns how many faces
/// there are (possibly more than written); −1 on error.
int tf_detect_faces(tf_tracker *tracker, const uint8_t *gray, int width, int height, int upsample,
                    float threshold, tf_box *boxes, int max_boxes);

/// The 68 landmarks (iBUG 300-W order) of the face in `box`, as x0, y0, x1, y1, … into
/// `points` (136 floats). Returns 0, or −1 on error.
int tf_face_landmarks(tf_tracker *tracker, const uint8_t *gray, int width, int height, tf_box box,
                      float *points);

#ifdef __cplusplus
}
#endif

#endif

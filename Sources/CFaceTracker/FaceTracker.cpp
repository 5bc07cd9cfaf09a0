// dlib behind a C interface: see include/CFaceTracker.h.
#include "CFaceTracker.h"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

struct tf_tracker {
    dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
    dlib::shape_predictor predictor;
    std::string error;
};

namespace {

void copyMessage(const std::string &message, char *out, int length) {
    if (out == nullptr || length <= 0) return;
    std::strncpy(out, message.c_str(), static_cast<size_t>(length - 1));
    out[length - 1] = '\0';
}

// The grayscale buffer as dlib's image type (a copy: dlib's detector upsamples in place).
dlib::array2d<unsigned char> image(const uint8_t *gray, int width, int height) {
    dlib::array2d<unsigned char> out(height, width);
    for (int y = 0; y < height; ++y) std::memcpy(&out[y][0], gray + static_cast<size_t>(y) * width, width);
    return out;
}

}  // namespace

extern "C" tf_tracker *tf_tracker_create(const char *model_path, char *error, int error_length) {
    try {
        auto *tracker = new tf_tracker();
        dlib::deserialize(model_path) >> tracker->predictor;
        if (tracker->predictor.num_parts() != 68) {
            copyMessage(std::string(model_path) + ": a shape predictor with " +
                            std::to_string(tracker->predictor.num_parts()) + " points, not 68",
                        error, error_length);
            delete tracker;
            return nullptr;
        }
        return tracker;
    } catch (const std::exception &e) {
        copyMessage(std::string(model_path) + ": " + e.what(), error, error_length);
        return nullptr;
    }
}

extern "C" void tf_tracker_destroy(tf_tracker *tracker) { delete tracker; }

extern "C" const char *tf_tracker_error(const tf_tracker *tracker) { return tracker->error.c_str(); }

extern "C" int tf_detect_faces(tf_tracker *tracker, const uint8_t *gray, int width, int height, int upsample,
                               float threshold, tf_box *boxes, int max_boxes) {
    try {
        tracker->error.clear();
        auto img = image(gray, width, height);
        double scale = 1;
        for (int i = 0; i < upsample; ++i) {
            dlib::pyramid_up(img);
            scale *= 2;
        }
        std::vector<dlib::rect_detection> found;
        tracker->detector(img, found, threshold);
        std::sort(found.begin(), found.end(),
                  [](const dlib::rect_detection &a, const dlib::rect_detection &b) { return a.detection_confidence > b.detection_confidence; });
        for (int i = 0; i < std::min<int>(max_boxes, static_cast<int>(found.size())); ++i) {
            const auto &r = found[i].rect;
            boxes[i] = {static_cast<float>(r.left() / scale), static_cast<float>(r.top() / scale),
                        static_cast<float>((r.right() + 1) / scale), static_cast<float>((r.bottom() + 1) / scale),
                        static_cast<float>(found[i].detection_confidence)};
        }
        return static_cast<int>(found.size());
    } catch (const std::exception &e) {
        tracker->error = e.what();
        return -1;
    }
}

extern "C" int tf_face_landmarks(tf_tracker *tracker, const uint8_t *gray, int width, int height, tf_box box,
                                 float *points) {
    try {
        tracker->error.clear();
        const auto img = image(gray, width, height);
        const dlib::rectangle rect(static_cast<long>(box.left), static_cast<long>(box.top),
                                   static_cast<long>(box.right) - 1, static_cast<long>(box.bottom) - 1);
        const auto shape = tracker->predictor(img, rect);
        for (unsigned long i = 0; i < shape.num_parts(); ++i) {
            points[2 * i] = static_cast<float>(shape.part(i).x());
            points[2 * i + 1] = static_cast<float>(shape.part(i).y());
        }
        return 0;
    } catch (const std::exception &e) {
        tracker->error = e.what();
        return -1;
    }
}

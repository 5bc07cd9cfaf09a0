"""The valid fixtures every fuzz case starts from: a tiny synthetic speaker, a DAE and a
speech-to-latent model trained for a couple of steps, their latents, a bundle, a speech WAV, a pose
CSV and a safetensors checkpoint; and real-face material from the committed test photograph
(Tests/Fixtures/faces/einstein_crop.png): the photo, a short clip of it talking (`synth --photo`,
with and without its sound) and a clip of a plain colour. Made once per run with the CLI under test
and ffmpeg (under a minute); nothing is downloaded."""

import os
import shutil
import struct
import subprocess
import sys
import wave

import media

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

SPEECH_SECONDS = 2.0
FPS = 25
FACE_PHOTO = os.path.join(REPO, "Tests", "Fixtures", "faces", "einstein_crop.png")
FACE_SYNTH_MINUTES = "0.05"  # a 3-second talking photo, from which the clip is cut where the speech starts
FACE_CLIP_FRAMES = 15        # 0.6 s: every face case tracks each frame of the clip


class Fixtures:
    def __init__(self, root):
        self.root = root
        j = lambda *p: os.path.join(root, *p)
        self.data = j("data")                 # speaker data set: frames/, audio.wav, pose.csv, meta.json …
        self.dae_run = j("dae")               # dae train run folder (dae.h5, checkpoint.h5, options.json)
        self.dae = j("dae", "dae.h5")
        self.latents = j("latents.h5")        # dae encode of every frame (z_sem, pose)
        self.latents_xt = j("latents_xt.h5")  # dae encode --stochastic of frames 0:8 (x_T too)
        self.s2l_run = j("s2l")
        self.s2l = j("s2l", "s2l.h5")
        self.bundle = j("bundle")             # float32 weights
        self.speech = j("speech.wav")         # SPEECH_SECONDS of 16 kHz speech-like sound
        self.pose = j("pose.csv")             # a pose track as long as the speech (radians)
        self.safetensors = j("import.safetensors")
        self.pred = j("pred")                 # a folder of PNG frames to evaluate against `data`
        self.face_photo = j("face.png")       # a real face photograph (300 × 300, grayscale)
        self.face_video = j("face.mp4")       # that face talking, 256 × 256, 15 frames with its speech (H.264, AAC)
        self.face_silent = j("face_silent.mp4")  # the same pictures without a sound track
        self.face_speech = j("face_speech.wav")  # its speech
        self.blank_video = j("blank.mp4")     # 15 frames of plain grey with a tone: no face

    def ready(self):
        return os.path.exists(os.path.join(self.root, "READY"))


def run(binary, args, log):
    log.write("$ talkingface %s\n" % " ".join(args))
    log.flush()
    proc = subprocess.run([binary] + args, stdout=log, stderr=subprocess.STDOUT, timeout=600)
    if proc.returncode != 0:
        raise SystemExit("fuzz: making the fixtures failed: talkingface %s (exit %d); see %s"
                         % (" ".join(args), proc.returncode, log.name))


def build(binary, root):
    """Makes the fixtures in `root` (reused when a previous run finished them)."""
    fx = Fixtures(root)
    if fx.ready():
        return fx
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    with open(os.path.join(root, "fixtures.log"), "w") as log:
        run(binary, ["synth", "--out", os.path.join(root, "synth"), "--speakers", "1", "--minutes", "0.05",
                     "--size", "64", "--seed", "1"], log)
        os.rename(os.path.join(root, "synth", "speaker_00"), fx.data)
        shutil.rmtree(os.path.join(root, "synth"))
        run(binary, ["dae", "train", "--data", fx.data, "--preset", "tiny", "--steps", "2", "--batch", "2",
                     "--out", fx.dae_run], log)
        run(binary, ["dae", "encode", "--model", fx.dae, "--data", fx.data, "--out", fx.latents,
                     "--steps", "2", "--refinements", "0"], log)
        run(binary, ["dae", "encode", "--model", fx.dae, "--data", fx.data, "--out", fx.latents_xt,
                     "--frames", "0:8", "--stochastic", "--steps", "2", "--refinements", "0"], log)
        run(binary, ["s2l", "train", "--data", fx.data, "--latents", fx.latents, "--out", fx.s2l_run,
                     "--preset", "tiny", "--steps", "2", "--batch", "2"], log)
        run(binary, ["bundle", "--dae", fx.dae, "--s2l", fx.s2l, "--data", fx.data, "--latents", fx.latents,
                     "--steps", "2", "--refinements", "0", "--float32", "--out", fx.bundle], log)
        media.write_wav_int16(fx.speech, media.speech_like(SPEECH_SECONDS))
        frames = int(SPEECH_SECONDS * FPS)
        with open(fx.pose, "w") as f:
            f.write("frame,yaw,pitch,roll\n")
            for i in range(frames):
                f.write("%d,%.4f,%.4f,%.4f\n" % (i, 0.2 * ((i % 20) / 10 - 1), 0.05, -0.03))
        os.makedirs(fx.pred)
        frames_dir = os.path.join(fx.data, "frames")
        for name in sorted(os.listdir(frames_dir)):
            shutil.copy(os.path.join(frames_dir, name), os.path.join(fx.pred, name))
        make_safetensors(fx.safetensors)
        make_face_material(binary, fx, log)
    open(os.path.join(root, "READY"), "w").close()
    return fx


def ffmpeg(args, log):
    log.write("$ ffmpeg %s\n" % " ".join(args))
    log.flush()
    proc = subprocess.run(["ffmpeg", "-v", "error", "-y"] + args, stdout=log, stderr=subprocess.STDOUT, timeout=300)
    if proc.returncode != 0:
        raise SystemExit("fuzz: making the fixtures failed: ffmpeg %s (exit %d); see %s"
                         % (" ".join(args), proc.returncode, log.name))


def make_face_material(binary, fx, log):
    """The committed photograph, a short clip of it talking (a `synth --photo` speaker's frames
    and speech from where the speech starts), the same clip without sound, and a plain grey clip
    with a tone."""
    shutil.copy(FACE_PHOTO, fx.face_photo)
    synth = os.path.join(fx.root, "face_synth")
    run(binary, ["synth", "--photo", fx.face_photo, "--out", synth, "--speakers", "1", "--minutes", FACE_SYNTH_MINUTES,
                 "--size", "256", "--seed", "1"], log)
    speaker = os.path.join(synth, "speaker_00")
    first = speech_onset_frame(os.path.join(speaker, "audio.wav"))
    seconds = FACE_CLIP_FRAMES / FPS
    ffmpeg(["-ss", "%.3f" % (first / FPS), "-t", "%.3f" % seconds, "-i", os.path.join(speaker, "audio.wav"),
            fx.face_speech], log)
    pictures = ["-framerate", str(FPS), "-start_number", str(first), "-i", os.path.join(speaker, "frames", "%05d.png")]
    h264 = ["-t", "%.3f" % seconds, "-c:v", "libx264", "-pix_fmt", "yuv420p"]
    ffmpeg(pictures + ["-i", fx.face_speech] + h264 + ["-c:a", "aac", fx.face_video], log)
    ffmpeg(pictures + h264 + [fx.face_silent], log)
    shutil.rmtree(synth)
    ffmpeg(["-f", "lavfi", "-i", "color=c=gray:s=128x128:r=%d:d=%.3f" % (FPS, seconds),
            "-f", "lavfi", "-i", "sine=f=220:d=%.3f" % seconds] + h264 + ["-c:a", "aac", fx.blank_video], log)


def speech_onset_frame(wav):
    """The first video frame whose stretch of the 16-bit WAV is not silent (the speech's leading silence skipped)."""
    rate, channels, count = media.read_wav_info(wav)
    with wave.open(wav, "rb") as w:
        samples = struct.unpack("<%dh" % (count * channels), w.readframes(count))
    per_frame = rate * channels // FPS
    for k in range(len(samples) // per_frame - FACE_CLIP_FRAMES):
        if max(abs(v) for v in samples[k * per_frame:(k + 1) * per_frame]) > 300:
            return k
    raise SystemExit("fuzz: making the fixtures failed: the talking photo's speech %s is silent" % wav)


def make_safetensors(path):
    """A DiffAE-layout checkpoint (the `tiny` preset's weights from the test goldens, as
    Scripts/convert_diffae_checkpoint.py would write them)."""
    header, payload = media.read_safetensors(os.path.join(REPO, "Tests", "Fixtures", "dae_tiny_goldens.safetensors"))
    kept, out, offset = {}, bytearray(), 0
    for key, info in sorted(header.items()):
        if key == "__metadata__" or key.startswith("golden."):
            continue
        start, end = info["data_offsets"]
        out += payload[start:end]
        kept[key] = {"dtype": info["dtype"], "shape": info["shape"], "data_offsets": [offset, offset + end - start]}
        offset += end - start
    media.write_safetensors(path, kept, bytes(out))

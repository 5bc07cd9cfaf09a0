// An app that imports TalkingFace works with data sets (SpeakerDataset, RGBImage, PoseTrack): they come with it.
@_exported import Datasets

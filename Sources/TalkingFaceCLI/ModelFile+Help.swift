import ArgumentParser
import TalkingFace

extension ModelFile {
    /// The help of an option that names this kind of trained model (`resolve` reads it).
    var help: ArgumentHelp {
        switch self {
        case .dae: "The DAE: a run or speaker bundle folder (its dae.h5) or an .h5 file."
        case .speechToLatent: "The speech-to-latent model: a run or speaker bundle folder (its s2l.h5) or an .h5 file."
        }
    }
}

import Foundation
import MediaIO

/// A trained model as the user names it: its .h5 file, or the folder that holds it under
/// its usual name (a training run's or a speaker bundle's: both call the DAE dae.h5 and the
/// speech-to-latent model s2l.h5).
public enum ModelFile {
    case dae, speechToLatent

    /// The file's name in a run or bundle folder.
    public var fileName: String {
        switch self {
        case .dae: Speaker.daeFile
        case .speechToLatent: Speaker.s2lFile
        }
    }

    var noun: String {
        switch self {
        case .dae: "a DAE"
        case .speechToLatent: "a speech-to-latent model"
        }
    }

    /// The commands that make one.
    var making: String {
        switch self {
        case .dae: "`talkingface dae train` or `talkingface weights import` makes one"
        case .speechToLatent: "`talkingface s2l train` makes one"
        }
    }

    /// The model file `path` names: `path` itself when it is a file, `path/fileName` when it
    /// is a folder. Throws, naming the file it looked for, when that does not exist.
    public func resolve(_ path: String) throws -> URL { try resolve(URL(fileURLWithPath: path)) }

    public func resolve(_ url: URL) throws -> URL {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
        let file = exists && isFolder.boolValue ? url.appendingPathComponent(fileName) : url
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw MediaIOError(.fileNotFound, file: file, "does not exist; \(noun) is given as its .h5 file or as a run or speaker bundle folder holding \(fileName) (\(making))")
        }
        return file
    }
}

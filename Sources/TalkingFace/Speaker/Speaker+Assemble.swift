import Autodiff
import DiffusionAutoencoder
import Foundation
import NeuralNetworks
import SpeechToLatent
import Datasets

extension Speaker {
    /// A speaker bundle from its trained parts: the DAE (`dae train`'s dae.h5), the speech-to-latent
    /// model (`s2l train`'s s2l.h5) and the data set they were trained on, whose frame
    /// `referenceFrame` gives the shared noise start x_T (inverted over `steps` DDIM steps,
    /// the bundle's default decode steps, with `refinements` fixed-point iterations per move).
    public static func assemble(dae daeURL: URL, s2l s2lURL: URL, dataset: SpeakerDataset, referenceFrame: Int,
                                steps: Int, refinements: Int = DiffAE.recommendedRefinements, name: String, s2lPreset: String? = nil, madeBy: [String: String] = [:]) throws -> Speaker {
        let dae = try loading(daeURL) { try DiffAE.load(checkpoint: $0) }
        let s2l = try loading(s2lURL, speechToLatent)
        guard (0..<dataset.frameCount).contains(referenceFrame) else {
            throw SpeakerError(file: dataset.root, "reference frame \(referenceFrame) is outside its \(dataset.frameCount) frames")
        }
        let frame = try dataset.frames(referenceFrame..<(referenceFrame + 1), size: dae.config.imageSize)  // (1, 3, S, S)
        let reference = SpeakerReference(encoding: frame, frameIndex: referenceFrame, with: dae, steps: steps,
                                         refinements: refinements)
        // The presets the models were made from, when their shapes say so (a v-model of a
        // preset's shape counts as that preset; its dae.h5 records the prediction).
        let preset = DiffAEPreset(shapeOf: dae.config)
        let c = s2l.config
        let s2lShape = SpeechToLatentPreset.allCases.first {
            $0.config(featureDimension: c.featureDimension, featureLayers: c.featureLayers, featureRate: c.featureRate,
                      latentDimension: c.latentDimension) == c
        }
        let features = s2l.config.featureLayers == 1 && s2l.config.featureDimension == LogMelFrontEnd().channels
            ? SpeakerMeta.logMel : SpeakerMeta.wav2vec2
        let meta = SpeakerMeta(name: name, fps: Double(s2l.config.frameRate), imageSize: dae.config.imageSize,
                               daePreset: preset?.rawValue, s2lPreset: s2lPreset ?? s2lShape?.rawValue, features: features, defaultSteps: steps,
                               madeBy: madeBy)
        return try Speaker(meta: meta, dae: dae, s2l: s2l, reference: reference)
    }

    /// The frame to take the shared x_T from when none is named: the training frame whose
    /// z_sem lies nearest the training frames' mean, i.e. the speaker's most typical face
    /// (a reference caught mid-word or mid-blink would lend every decoded frame its details).
    public static func typicalFrame(_ latents: Latents, among frames: Range<Int>) -> Int? {
        let rows = latents.frames.indices.filter { frames.contains(latents.frames[$0]) }
        guard !rows.isEmpty else { return nil }
        let z = latents.zSem.shape[1]
        let values = latents.zSem.pointer
        var mean = [Double](repeating: 0, count: z)
        for row in rows { for j in 0..<z { mean[j] += Double(values[row * z + j]) } }
        for j in 0..<z { mean[j] /= Double(rows.count) }
        let distances = rows.map { row in
            (0..<z).reduce(0.0) { sum, j in let d = Double(values[row * z + j]) - mean[j]; return sum + d * d }
        }
        return latents.frames[rows[distances.indices.min { distances[$0] < distances[$1] }!]]
    }

    /// `typicalFrame` among `dataset`'s training frames (its default split), from the latents
    /// in `latentsFile`, which must have been encoded from `dataset` and hold every training
    /// frame (the most typical of a part is not the speaker's most typical face).
    public static func typicalTrainingFrame(latentsFile: URL, of dataset: SpeakerDataset) throws -> Int {
        let latents = try Latents.read(latentsFile)
        try latents.requireEncoded(from: dataset, file: latentsFile)
        let training = dataset.split().train
        try latents.requireFrames(training, of: dataset, file: latentsFile,
                                  for: "picking the reference (the most typical training frame; or name one)")
        guard let frame = typicalFrame(latents, among: training) else {
            throw SpeakerError(file: dataset.root, "the latents hold none of its training frames to take the reference x_T from; name a reference frame")
        }
        return frame
    }
}

/// Which Winograd algorithm computes a 3×3 stride-1 convolution's forward: F(4×4, 3×3) on images
/// of at least `WinogradF4.minimumTiles` 4×4 tiles, F(2×2, 3×3) on the other geometries
/// `Winograd.applies` takes, none otherwise. Decided by one image's geometry alone. The forward
/// and the weight cache both ask here, so a cached transform is always the one the forward uses.
enum WinogradVariant {
    case twoByTwo, fourByFour

    init?(_ g: ConvGeometry) {
        if WinogradF4.applies(to: g) {
            self = .fourByFour
        } else if Winograd.applies(to: g) {
            self = .twoByTwo
        } else {
            return nil
        }
    }

    /// Output tile side: 2 or 4.
    var tileSize: Int { self == .twoByTwo ? 2 : 4 }

    /// Transform points per tile, (tileSize + 2)²: 16 or 36.
    var points: Int { (tileSize + 2) * (tileSize + 2) }

    /// U (points, O, C) of a (O, C, 3, 3) weight.
    func transformWeights(_ weight: UnsafePointer<Float>, outChannels: Int, inChannels: Int, into u: UnsafeMutablePointer<Float>) {
        switch self {
        case .twoByTwo: Winograd.transformWeights(weight, outChannels: outChannels, inChannels: inChannels, into: u)
        case .fourByFour: WinogradF4.transformWeights(weight, outChannels: outChannels, inChannels: inChannels, into: u)
        }
    }
}

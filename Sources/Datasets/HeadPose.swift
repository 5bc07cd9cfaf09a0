/// A head pose (a data set's pose.csv row: yaw, pitch, roll in radians), applied as roll · yaw · pitch (nod about the head's own ear axis, then turn,
/// then tilt in the image plane).
public struct HeadPose: Codable, Equatable, Sendable {
    public var yaw: Float    // + turns the face to the image's right
    public var pitch: Float  // + tips the face up
    public var roll: Float   // + tilts counter-clockwise in the image

    public init(yaw: Float = 0, pitch: Float = 0, roll: Float = 0) {
        self.yaw = yaw
        self.pitch = pitch
        self.roll = roll
    }
}

/// Tiles images (rows × columns, all the same size) into one picture, for eyeballing a data set.
public func contactSheet(_ rows: [[RGBImage]], gap: Int = 2, background: Colour = Colour(1, 1, 1)) -> RGBImage {
    let columns = rows.map(\.count).max() ?? 0
    guard let first = rows.first?.first else { return RGBImage(width: 1, height: 1, fill: background) }
    let w = first.width, h = first.height
    var sheet = RGBImage(width: columns * (w + gap) + gap, height: rows.count * (h + gap) + gap, fill: background)
    for (r, row) in rows.enumerated() {
        for (c, image) in row.enumerated() {
            precondition(image.width == w && image.height == h, "contact sheet images differ in size")
            for y in 0..<h { for x in 0..<w { sheet[gap + c * (w + gap) + x, gap + r * (h + gap) + y] = image[x, y] } }
        }
    }
    return sheet
}

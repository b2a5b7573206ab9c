// Owned by the Capture area; replaced by the real benchmark.
func captureBench(_ arguments: [String]) throws {
    print("capture: no benchmark yet")
}

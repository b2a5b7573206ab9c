// Owned by the Store area; replaced by the real benchmark.
func storeBench(_ arguments: [String]) throws {
    print("store: no benchmark yet")
}

// Owned by the HEP area; replaced by the real benchmark.
func hepBench(_ arguments: [String]) throws {
    print("hep: no benchmark yet")
}

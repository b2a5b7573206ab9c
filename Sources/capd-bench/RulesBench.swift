// Owned by the Rules area; replaced by the real benchmark.
func rulesBench(_ arguments: [String]) throws {
    print("rules: no benchmark yet")
}

// Store module: see ../../docs/architecture.md
enum Placeholder {}

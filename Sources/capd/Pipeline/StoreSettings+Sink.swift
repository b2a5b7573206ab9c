import Store
import Tables

/// `Store`'s own settings type; this file imports only Store so the name is unambiguous (Rules has a
/// configuration type of the same name).
typealias SinkSettings = StoreSettings
typealias SinkSchema = SchemaFlavour

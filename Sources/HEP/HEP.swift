public enum HEPPlaceholder {}

//! npm registry client.

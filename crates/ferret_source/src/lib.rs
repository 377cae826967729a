//! Opens packages into in-memory trees.

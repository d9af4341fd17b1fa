//! Behaviour of the built-in processing functions on small, hand-checked inputs.

mod common;
mod edge_cases;
mod functions;

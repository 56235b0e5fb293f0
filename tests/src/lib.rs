//! Integration tests of the plaid-idv workspace live in `tests/*.rs`.

//! Collects every error a derive finds, each with its own span, so the user sees all of them in
//! one compile rather than one per fix.

use std::cell::RefCell;
use std::fmt::Display;

use quote::ToTokens;

#[derive(Debug, Default)]
pub(crate) struct Ctxt {
    errors: RefCell<Option<syn::Error>>,
}

impl Ctxt {
    pub(crate) fn error_spanned(&self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn push(&self, error: syn::Error) {
        let mut errors = self.errors.borrow_mut();
        match errors.as_mut() {
            Some(existing) => existing.combine(error),
            None => *errors = Some(error),
        }
    }

    pub(crate) fn finish(self) -> Result<(), syn::Error> {
        match self.errors.into_inner() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

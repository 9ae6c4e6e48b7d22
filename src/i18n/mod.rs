//! Every user-facing text, rendered from Project Fluent files in `locales/<lang>/*.ftl`.
//! Rust code names texts by key; the sentences live in the locale files.

mod lang;

pub use lang::Lang;

use std::collections::HashMap;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::LanguageIdentifier;

use crate::flows::source::SourceFile;

/// A problem in a locale file, for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocaleProblem {
    pub source: String,
    pub message: String,
}

impl std::fmt::Display for LocaleProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.source, self.message)
    }
}

/// The loaded texts of every language.
pub struct Locales {
    bundles: HashMap<Lang, FluentBundle<FluentResource>>,
    /// Every message id per language, for callers that render a whole group (`widget-*`).
    ids: HashMap<Lang, Vec<String>>,
}

impl std::fmt::Debug for Locales {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Locales")
            .field("languages", &self.bundles.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Locales {
    /// Loads `.ftl` files given as `(lang, file)`. Syntax errors and keys defined twice are
    /// reported with file and line; the rest of the file still loads.
    pub fn load(files: &[(Lang, SourceFile)]) -> (Self, Vec<LocaleProblem>) {
        let mut problems = Vec::new();
        let mut ids: HashMap<Lang, Vec<String>> = HashMap::new();
        let mut bundles: HashMap<Lang, FluentBundle<FluentResource>> = HashMap::new();
        for lang in Lang::ALL {
            let id: LanguageIdentifier = lang.tag().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Isolation marks (U+2068/U+2069) around variables corrupt Telegram text and exact
            // comparisons; our variables are plain values, so they are not needed.
            bundle.set_use_isolating(false);
            bundles.insert(lang, bundle);
        }
        for (lang, file) in files {
            let resource = match FluentResource::try_new(file.text.clone()) {
                Ok(resource) => resource,
                Err((resource, errors)) => {
                    for error in errors {
                        let line = line_of(&file.text, error.pos.start);
                        problems.push(LocaleProblem {
                            source: format!("{}:{line}", file.name),
                            message: format!("Fluent syntax error: {}", error.kind),
                        });
                    }
                    resource
                }
            };
            let file_ids = resource.entries().filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                _ => None,
            });
            ids.entry(*lang).or_default().extend(file_ids);
            if let Some(bundle) = bundles.get_mut(lang)
                && let Err(errors) = bundle.add_resource(resource)
            {
                for error in errors {
                    problems.push(LocaleProblem {
                        source: file.name.clone(),
                        message: format!("{error}"),
                    });
                }
            }
        }
        (Self { bundles, ids }, problems)
    }

    /// Every text whose key starts with `prefix`, rendered in `lang` (key → text).
    pub fn render_group(&self, lang: Lang, prefix: &str) -> Vec<(String, String)> {
        self.ids
            .get(&lang)
            .into_iter()
            .flatten()
            .filter(|id| id.starts_with(prefix))
            .map(|id| (id.clone(), self.render(lang, id, &[])))
            .collect()
    }

    pub fn has(&self, lang: Lang, key: &str) -> bool {
        self.bundles
            .get(&lang)
            .and_then(|b| b.get_message(key))
            .is_some_and(|m| m.value().is_some())
    }

    /// Renders `key` in `lang` with string arguments. A missing key (which `flows check` rules
    /// out for flow texts) falls back to the other language, then to the key itself, so the
    /// conversation never breaks on a text.
    pub fn render(&self, lang: Lang, key: &str, args: &[(String, String)]) -> String {
        for candidate in [lang, lang.other()] {
            if let Some(text) = self.try_render(candidate, key, args) {
                return text;
            }
        }
        tracing::warn!(key, lang = lang.tag(), "missing locale text");
        key.to_string()
    }

    /// The attribute `attribute` of `key` in `lang` (no fallback: callers list keys of `lang`).
    pub fn render_attribute(&self, lang: Lang, key: &str, attribute: &str) -> Option<String> {
        let bundle = self.bundles.get(&lang)?;
        let pattern = bundle.get_message(key)?.get_attribute(attribute)?.value();
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, None, &mut errors);
        Some(text.into_owned())
    }

    fn try_render(&self, lang: Lang, key: &str, args: &[(String, String)]) -> Option<String> {
        let bundle = self.bundles.get(&lang)?;
        let pattern = bundle.get_message(key)?.value()?;
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            // Whole numbers go in as numbers, so plural and `[0]` selectors match them.
            match value.parse::<i64>() {
                Ok(n) if !value.starts_with('+') && (value == "0" || !value.starts_with('0')) => {
                    fluent_args.set(name.as_str(), n)
                }
                _ => fluent_args.set(name.as_str(), value.as_str()),
            }
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            tracing::debug!(
                key,
                lang = lang.tag(),
                ?errors,
                "locale text rendered with errors"
            );
        }
        Some(text.into_owned())
    }
}

fn line_of(text: &str, byte: usize) -> usize {
    text.get(..byte.min(text.len()))
        .map_or(1, |head| head.matches('\n').count() + 1)
}

//! Problems found in a policy file, and their rendering: the file path with line and column,
//! the source line with a caret under the offending span, and a "did you mean" when one is
//! close. Rendered with annotate-snippets (plain for tests and pipes, styled for terminals).

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// What is wrong, as data (tests and callers match on it; the message says it for people).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemKind {
    /// The file is not valid TOML.
    Syntax,
    /// A key the schema does not have (`[rules]` keys are rule ids: see `UnknownRule`).
    UnknownKey,
    /// A rule id no registered rule has.
    UnknownRule,
    /// A value of the wrong TOML type (a number where a string belongs, …).
    WrongType,
    /// A required key is absent (an exception without `reason`, `package` or `rule`).
    MissingKey,
    /// Not one of `block`, `warn`, `monitor`, `info`, `ignore`.
    InvalidAction,
    /// A `package` that is not `[ecosystem:]name` with a known ecosystem.
    InvalidPackage,
    /// A `versions` entry that is neither a version nor an npm range.
    InvalidVersion,
    /// Any other value out of its domain (empty reason, unknown severity, …).
    InvalidValue,
}

/// One problem in a policy file, located by byte span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// One line, what is wrong: "unknown rule `shell-acess`".
    pub message: String,
    /// Byte range in the file's text.
    pub span: Range<usize>,
    /// Shown under the caret.
    pub label: String,
    /// "did you mean `shell-access`?" or advice.
    pub help: Option<String>,
}

impl Problem {
    pub(crate) fn new(
        kind: ProblemKind,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            message: message.into(),
            span,
            label: label.into(),
            help: None,
        }
    }

    pub(crate) fn help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

/// A policy file that could not be loaded: every problem found in it, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render(false))]
pub struct PolicyFileError {
    pub path: PathBuf,
    /// The file's text, so the problems can be rendered with their source lines.
    pub source_text: String,
    pub problems: Vec<Problem>,
}

impl PolicyFileError {
    /// 1-based (line, column in characters) of a byte offset of the file.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col(&self.source_text, offset)
    }

    /// Every problem as a compiler-style diagnostic, separated by blank lines. `color`
    /// selects ANSI styling (for a terminal); plain text otherwise.
    pub fn render(&self, color: bool) -> String {
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let path = self.path.display().to_string();
        let mut out = String::new();
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                out.push_str("\n\n");
            }
            let span = clamp_span(&self.source_text, &problem.span);
            let mut groups = vec![
                Level::ERROR
                    .primary_title(problem.message.as_str())
                    .element(
                        Snippet::source(self.source_text.as_str())
                            .path(path.as_str())
                            .annotation(
                                AnnotationKind::Primary
                                    .span(span)
                                    .label(problem.label.as_str()),
                            ),
                    ),
            ];
            if let Some(help) = &problem.help {
                groups.push(Group::with_title(
                    Level::HELP.secondary_title(help.as_str()),
                ));
            }
            out.push_str(&renderer.render(&groups));
        }
        out
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A span inside the text and on character boundaries, so rendering never slices badly
/// (toml's spans are always valid; this guards spans built by hand).
fn clamp_span(text: &str, span: &Range<usize>) -> Range<usize> {
    let mut start = span.start.min(text.len());
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = clamp_span(text, &(offset..offset)).start;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

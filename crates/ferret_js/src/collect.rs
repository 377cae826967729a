//! The single visitor pass: walks the AST oxc built, asks the [`Evaluator`] what callees,
//! member objects and arguments denote, asks the capability table what that means, and
//! records facts (capability uses, imports, calls, strings) with their locations.

use crate::capabilities::{
    KNOWN_CALLEES, STRING_TIMERS, global_capability, import_capability, member_capability,
    records_calls,
};
use crate::eval::{Evaluator, Value, normalize_module};
use ferret_core::facts::Source;
use ferret_core::{
    CallFact, Capability, CapabilityUse, Excerpt, FileFacts, ImportFact, ImportKind, LineIndex,
    Location, Span, StringFact, UseKind,
};
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, ArrowFunctionExpression, AssignmentExpression,
    AssignmentTarget, BinaryExpression, BindingPattern, CallExpression, ChainElement,
    ExportAllDeclaration, ExportFromDeclaration, Expression, Function, ImportDeclaration,
    ImportDeclarationSpecifier, ImportExpression, MemberExpression, ModuleExportName,
    NewExpression, ObjectPropertyKind, PropertyKey, SpreadElement, StringLiteral,
    TSImportEqualsDeclaration, TSModuleReference, TemplateLiteral, UnaryExpression,
    VariableDeclarator,
};
use oxc_ast_visit::{Visit, walk};
use oxc_span::GetSpan;
use oxc_syntax::operator::{BinaryOperator, UnaryOperator};
use oxc_syntax::scope::ScopeFlags;

/// Folded call arguments are cut to this many characters: enough for a full command line
/// or URL, small enough that a megabyte payload passed to `eval` is not copied per call.
pub const MAX_ARG_CHARS: usize = 4096;
/// At most this many string facts per file, and this many bytes of string values in all:
/// a 64 MiB array of short strings must not become gigabytes of facts.
const MAX_STRINGS: usize = 200_000;
const MAX_STRING_BYTES: usize = 32 << 20;
/// The visitor stops descending below this expression depth. The nesting pre-scan keeps
/// real input far below it; this is the backstop that keeps the walk itself bounded.
const MAX_VISIT_DEPTH: u32 = 20_000;
/// Deepest expression the data-flow pass looks into (`JSON.stringify({a: {b: [x]}})` is 5).
const MAX_TAINT_DEPTH: u32 = 24;
/// Nodes the data-flow pass may visit per file beyond a fixed allowance, per source byte:
/// it re-reads only initializers, assigned values and the arguments of recorded calls, so
/// ordinary files use a fraction; a hostile file cannot make it quadratic.
const TAINT_FUEL_PER_BYTE: u64 = 2;

/// A set of [`Source`] kinds as bits.
type Taint = u8;

const ALL_SOURCES: [Source; 7] = [
    Source::EnvAll,
    Source::EnvVar,
    Source::SystemInfo,
    Source::FileRead,
    Source::CommandOutput,
    Source::Decoded,
    Source::Download,
];

fn bit(s: Source) -> Taint {
    1 << (s as u8)
}

fn sources_of(t: Taint) -> Vec<Source> {
    ALL_SOURCES
        .iter()
        .copied()
        .filter(|s| t & bit(*s) != 0)
        .collect()
}

/// Methods and functions whose result, when it folds, is recorded as a folded string.
const FOLDING_METHODS: &[&str] = &[
    "join",
    "concat",
    "toString",
    "fromCharCode",
    "toLowerCase",
    "toUpperCase",
    "slice",
    "substring",
    "substr",
    "replace",
    "replaceAll",
    "trim",
];
const FOLDING_FUNCTIONS: &[&str] = &["atob", "decodeURIComponent", "decodeURI", "unescape"];

pub struct Collector<'s> {
    pub ev: Evaluator<'s>,
    pub facts: &'s mut FileFacts,
    path: &'s str,
    source: &'s str,
    index: &'s LineIndex,
    function_depth: u32,
    expr_depth: u32,
    /// Inside a `+` chain whose root already tried to fold: do not fold the sub-chains.
    in_plus_chain: bool,
    /// The span of an assignment target member, recorded as a write, not as a read.
    write_target: Option<oxc_span::Span>,
    string_bytes: usize,
    /// Source kinds carried by local bindings (flow-insensitive: a binding keeps every
    /// source ever assigned to it).
    taint: rustc_hash::FxHashMap<oxc_syntax::symbol::SymbolId, Taint>,
    taint_fuel: u64,
    /// Scope ids of the enclosing functions (see [`FileFacts::functions`]).
    scopes: Vec<u32>,
}

fn fspan(s: oxc_span::Span) -> Span {
    Span::new(s.start, s.end)
}

fn cap_chars(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    match s.char_indices().nth(n) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

fn canon_module(m: &str, p: &str) -> String {
    if p.is_empty() {
        m.to_string()
    } else {
        format!("{m}.{p}")
    }
}

impl<'s> Collector<'s> {
    pub fn new(
        ev: Evaluator<'s>,
        facts: &'s mut FileFacts,
        path: &'s str,
        source: &'s str,
        index: &'s LineIndex,
    ) -> Self {
        Self {
            ev,
            facts,
            path,
            source,
            index,
            function_depth: 0,
            expr_depth: 0,
            in_plus_chain: false,
            write_target: None,
            string_bytes: 0,
            taint: rustc_hash::FxHashMap::default(),
            taint_fuel: 100_000 + TAINT_FUEL_PER_BYTE * source.len() as u64,
            scopes: Vec::new(),
        }
    }

    fn scope(&self) -> u32 {
        self.scopes.last().copied().unwrap_or(0)
    }

    fn enter_function(&mut self, span: oxc_span::Span) {
        self.facts.functions.push(fspan(span));
        let id = u32::try_from(self.facts.functions.len()).unwrap_or(u32::MAX);
        self.scopes.push(id);
        self.function_depth += 1;
    }

    fn leave_function(&mut self) {
        self.scopes.pop();
        self.function_depth -= 1;
    }

    pub fn location(&self, span: oxc_span::Span) -> Location {
        self.index.location(self.path, self.source, fspan(span))
    }

    fn excerpt(&self, span: oxc_span::Span) -> Excerpt {
        self.index.excerpt(self.source, fspan(span))
    }

    fn add_use(
        &mut self,
        capability: Capability,
        api: impl Into<String>,
        kind: UseKind,
        span: oxc_span::Span,
        detail: Option<String>,
    ) {
        let location = self.location(span);
        let code = self.excerpt(span);
        self.facts.uses.push(CapabilityUse {
            capability,
            api: api.into(),
            kind,
            location,
            code,
            detail,
            install_time: false,
        });
    }

    fn add_string(&mut self, value: &str, folded: bool, span: oxc_span::Span) {
        if self.facts.strings.len() >= MAX_STRINGS || self.string_bytes > MAX_STRING_BYTES {
            return;
        }
        let stored = cap_chars(value, StringFact::MAX_CHARS);
        self.string_bytes += stored.len();
        let len = if value.is_ascii() {
            value.len()
        } else {
            value.chars().count()
        };
        let location = self.location(span);
        self.facts.strings.push(StringFact {
            value: stored,
            len,
            folded,
            location,
        });
    }

    fn add_import(&mut self, specifier: Option<&str>, kind: ImportKind, span: oxc_span::Span) {
        let spec = specifier.map(|s| normalize_module(s).to_string());
        let location = self.location(span);
        let code = self.excerpt(span);
        self.facts.imports.push(ImportFact {
            specifier: spec.clone(),
            kind,
            location,
            code,
        });
        match spec {
            Some(s) => {
                if let Some(cap) = import_capability(&s) {
                    self.add_use(cap, s.clone(), UseKind::Import, span, Some(s));
                }
            }
            None => {
                let api = match kind {
                    ImportKind::Dynamic => "import(dynamic)",
                    _ => "require(dynamic)",
                };
                self.add_use(Capability::DynamicCode, api, UseKind::Call, span, None);
            }
        }
    }

    fn add_call(&mut self, callee: String, args: &[Argument<'_>], span: oxc_span::Span) {
        // A process's argv array (`spawn('curl', ['-d', '@~/.npmrc', url])`) is recorded as
        // one space-joined string, so command-line checks read it like a shell line.
        let argv = callee.starts_with("child_process.");
        let mut folded = Vec::with_capacity(args.len().min(16));
        let mut taints: Vec<Taint> = Vec::new();
        for (i, a) in args.iter().take(64).enumerate() {
            let Some(e) = a.as_expression() else {
                folded.push(None);
                continue;
            };
            let v = match self.ev.eval(e, 0) {
                Value::Str(s) => Some(cap_chars(&s, MAX_ARG_CHARS)),
                Value::Num(n) => Some(crate::eval::num_to_string(n)),
                Value::Arr(items) if argv => {
                    let words: Option<Vec<_>> = items.iter().map(Value::as_string).collect();
                    words.map(|w| cap_chars(&w.join(" "), MAX_ARG_CHARS))
                }
                _ => None,
            };
            folded.push(v);
            let t = self.taint_of(e, 0);
            if t != 0 {
                taints.resize(i + 1, 0);
                taints[i] = t;
            }
        }
        let location = self.location(span);
        let code = self.excerpt(span);
        self.facts.calls.push(CallFact {
            callee,
            args: folded,
            location,
            code,
            top_level: self.function_depth == 0,
            scope: self.scope(),
            arg_sources: taints.into_iter().map(sources_of).collect(),
        });
    }

    /// The source kinds an expression's value may carry: a bounded walk of the expression
    /// (never into function bodies) through literals, concatenation, templates, encoders and
    /// any call's arguments and receiver, with the taint of local bindings.
    fn taint_of(&mut self, e: &Expression<'_>, depth: u32) -> Taint {
        if depth > MAX_TAINT_DEPTH || self.taint_fuel == 0 {
            return 0;
        }
        self.taint_fuel -= 1;
        let d = depth + 1;
        match e {
            Expression::Identifier(id) => {
                let Some(r) = id.reference_id.get() else {
                    return 0;
                };
                match self.ev.scoping.get_reference(r).symbol_id() {
                    Some(sym) => {
                        let t = self.taint.get(&sym).copied().unwrap_or(0);
                        if matches!(self.ev.bindings.get(&sym), Some(Value::Global(p)) if p == "process.env")
                        {
                            t | bit(Source::EnvAll)
                        } else {
                            t
                        }
                    }
                    None => 0,
                }
            }
            Expression::StaticMemberExpression(_)
            | Expression::ComputedMemberExpression(_)
            | Expression::PrivateFieldExpression(_) => match e.as_member_expression() {
                Some(m) => self.member_taint(e, m, d),
                None => 0,
            },
            Expression::CallExpression(c) => self.call_taint(c, d),
            Expression::NewExpression(n) => self.args_taint(&n.arguments, d),
            Expression::ObjectExpression(o) => {
                let mut t = 0;
                for p in &o.properties {
                    t |= match p {
                        ObjectPropertyKind::ObjectProperty(p) => self.taint_of(&p.value, d),
                        ObjectPropertyKind::SpreadProperty(s) => self.taint_of(&s.argument, d),
                    };
                }
                t
            }
            Expression::ArrayExpression(a) => {
                let mut t = 0;
                for el in &a.elements {
                    t |= match el {
                        ArrayExpressionElement::SpreadElement(s) => self.taint_of(&s.argument, d),
                        ArrayExpressionElement::Elision(_) => 0,
                        other => match other.as_expression() {
                            Some(x) => self.taint_of(x, d),
                            None => 0,
                        },
                    };
                }
                t
            }
            Expression::TemplateLiteral(t) => {
                let mut out = 0;
                for x in &t.expressions {
                    out |= self.taint_of(x, d);
                }
                out
            }
            Expression::TaggedTemplateExpression(t) => {
                let mut out = 0;
                for x in &t.quasi.expressions {
                    out |= self.taint_of(x, d);
                }
                out
            }
            Expression::BinaryExpression(b) => {
                // `a + b + c + …` is left-deep: walk the chain iteratively.
                let mut t = self.taint_of(&b.right, d);
                let mut cur = &b.left;
                while let Expression::BinaryExpression(inner) = cur {
                    if self.taint_fuel == 0 {
                        return t;
                    }
                    self.taint_fuel -= 1;
                    t |= self.taint_of(&inner.right, d);
                    cur = &inner.left;
                }
                t | self.taint_of(cur, d)
            }
            Expression::LogicalExpression(l) => {
                self.taint_of(&l.left, d) | self.taint_of(&l.right, d)
            }
            Expression::ConditionalExpression(c) => {
                self.taint_of(&c.consequent, d) | self.taint_of(&c.alternate, d)
            }
            Expression::AssignmentExpression(a) => self.taint_of(&a.right, d),
            Expression::ParenthesizedExpression(p) => self.taint_of(&p.expression, d),
            Expression::AwaitExpression(a) => self.taint_of(&a.argument, d),
            Expression::SequenceExpression(s) => match s.expressions.last() {
                Some(l) => self.taint_of(l, d),
                None => 0,
            },
            Expression::TSAsExpression(x) => self.taint_of(&x.expression, d),
            Expression::TSSatisfiesExpression(x) => self.taint_of(&x.expression, d),
            Expression::TSNonNullExpression(x) => self.taint_of(&x.expression, d),
            Expression::ChainExpression(c) => match &c.expression {
                ChainElement::CallExpression(call) => self.call_taint(call, d),
                ChainElement::TSNonNullExpression(x) => self.taint_of(&x.expression, d),
                other => match other.as_member_expression() {
                    Some(m) => self.taint_of(m.object(), d),
                    None => 0,
                },
            },
            _ => 0,
        }
    }

    fn member_taint(&mut self, e: &Expression<'_>, m: &MemberExpression<'_>, d: u32) -> Taint {
        let obj = m.object();
        if self.is_process_env(obj) {
            return bit(Source::EnvVar);
        }
        if self.is_process_env(e) {
            return bit(Source::EnvAll);
        }
        self.taint_of(obj, d)
    }

    fn args_taint(&mut self, args: &[Argument<'_>], d: u32) -> Taint {
        let mut t = 0;
        for a in args.iter().take(64) {
            t |= match a {
                Argument::SpreadElement(s) => self.taint_of(&s.argument, d),
                other => match other.as_expression() {
                    Some(x) => self.taint_of(x, d),
                    None => 0,
                },
            };
        }
        t
    }

    fn call_taint(&mut self, c: &CallExpression<'_>, d: u32) -> Taint {
        // `Object.keys(process.env)`: variable names, not their values.
        if let Expression::StaticMemberExpression(m) = &c.callee
            && m.property.name == "keys"
            && matches!(&m.object, Expression::Identifier(id) if id.name == "Object")
        {
            return 0;
        }
        let mut t = 0;
        if self.worth_evaluating(&c.callee) {
            let callee = self.ev.eval_callee(&c.callee, 0);
            t |= self.source_call(&callee.value, &c.arguments);
        }
        t |= self.args_taint(&c.arguments, d);
        if let Some(m) = c.callee.as_member_expression() {
            t |= self.taint_of(m.object(), d);
        }
        t
    }

    /// The source a call to a resolved callee produces, if it is one.
    fn source_call(&mut self, callee: &Value, args: &[Argument<'_>]) -> Taint {
        match callee {
            Value::Module(m, p) => {
                let last = p.rsplit('.').next().unwrap_or(p);
                match m.as_str() {
                    "os" if matches!(last, "hostname" | "userInfo" | "networkInterfaces") => {
                        bit(Source::SystemInfo)
                    }
                    "fs" | "fs/promises" | "graceful-fs" | "fs-extra"
                        if last.starts_with("readFile") =>
                    {
                        bit(Source::FileRead)
                    }
                    "child_process" if matches!(last, "execSync" | "execFileSync") => {
                        bit(Source::CommandOutput)
                    }
                    _ if !p.ends_with("()")
                        && crate::capabilities::member_capability(m, p)
                            == Some(Capability::Network)
                        && !m.starts_with("dns") =>
                    {
                        bit(Source::Download)
                    }
                    _ => 0,
                }
            }
            Value::Global(p) => match p.as_str() {
                "fetch" => bit(Source::Download),
                "atob" => bit(Source::Decoded),
                "Buffer.from" => {
                    let enc = self.ev.arg_str(args, 1, 0);
                    if matches!(enc.as_deref(), Some("base64" | "hex" | "base64url")) {
                        bit(Source::Decoded)
                    } else {
                        0
                    }
                }
                _ => 0,
            },
            _ => 0,
        }
    }

    /// Give the names a pattern binds the taint of their initializer.
    fn taint_pattern(&mut self, pattern: &BindingPattern<'_>, t: Taint, depth: u32) {
        if depth > 16 {
            return;
        }
        match pattern {
            BindingPattern::BindingIdentifier(b) => {
                if let Some(sym) = b.symbol_id.get() {
                    *self.taint.entry(sym).or_insert(0) |= t;
                }
            }
            BindingPattern::ObjectPattern(o) => {
                // `const {NPM_TOKEN} = process.env` takes one variable, `...rest` the rest.
                let props = if t & bit(Source::EnvAll) == 0 {
                    t
                } else {
                    (t & !bit(Source::EnvAll)) | bit(Source::EnvVar)
                };
                for p in &o.properties {
                    self.taint_pattern(&p.value, props, depth + 1);
                }
                if let Some(rest) = &o.rest {
                    self.taint_pattern(&rest.argument, t, depth + 1);
                }
            }
            BindingPattern::ArrayPattern(a) => {
                for el in a.elements.iter().flatten() {
                    self.taint_pattern(el, t, depth + 1);
                }
                if let Some(rest) = &a.rest {
                    self.taint_pattern(&rest.argument, t, depth + 1);
                }
            }
            BindingPattern::AssignmentPattern(a) => self.taint_pattern(&a.left, t, depth + 1),
        }
    }

    /// `tainted.forEach((chunk, i) => dns.lookup(chunk + '.x.example'))`: the element
    /// parameter of an iteration callback carries the receiver's taint (the accumulator and
    /// element of `reduce` too), so data split into chunks is still followed.
    fn taint_callback_params(&mut self, call: &CallExpression<'_>) {
        let Expression::StaticMemberExpression(m) = &call.callee else {
            return;
        };
        let method = m.property.name.as_str();
        let params = match method {
            "forEach" | "map" | "flatMap" | "filter" | "some" | "every" | "find" | "then" => 1,
            "reduce" | "reduceRight" => 2,
            _ => return,
        };
        let params_list = match call.arguments.first() {
            Some(Argument::ArrowFunctionExpression(f)) => &f.params,
            Some(Argument::FunctionExpression(f)) => &f.params,
            _ => return,
        };
        let t = self.taint_of(&m.object, 0);
        if t == 0 {
            return;
        }
        for p in params_list.items.iter().take(params) {
            self.taint_pattern(&p.pattern, t, 0);
        }
    }

    /// `x = v`, `x += v`, `o.k = v`, `o[k] = v`: the assigned root binding takes `v`'s taint.
    fn taint_assignment(&mut self, a: &AssignmentExpression<'_>) {
        let mut target: Option<&Expression<'_>> = None;
        let sym = match &a.left {
            AssignmentTarget::AssignmentTargetIdentifier(id) => id
                .reference_id
                .get()
                .and_then(|r| self.ev.scoping.get_reference(r).symbol_id()),
            other => {
                if let Some(m) = other.as_member_expression() {
                    target = Some(m.object());
                }
                None
            }
        };
        let sym = sym.or_else(|| {
            let mut cur = target?;
            for _ in 0..16 {
                cur = match cur {
                    Expression::Identifier(id) => {
                        let r = id.reference_id.get()?;
                        return self.ev.scoping.get_reference(r).symbol_id();
                    }
                    Expression::StaticMemberExpression(m) => &m.object,
                    Expression::ComputedMemberExpression(m) => &m.object,
                    _ => return None,
                };
            }
            None
        });
        let Some(sym) = sym else { return };
        let t = self.taint_of(&a.right, 0);
        if t != 0 {
            *self.taint.entry(sym).or_insert(0) |= t;
        }
    }

    /// Whether an expression could possibly denote something the evaluator tracks: its
    /// leftmost identifier is a tracked global or a bound symbol. A cheap, non-recursive
    /// filter that keeps long member/call chains of unknown objects linear.
    fn worth_evaluating(&self, e: &Expression<'_>) -> bool {
        let mut cur = e;
        for _ in 0..64 {
            cur = match cur {
                Expression::Identifier(id) => {
                    let Some(r) = id.reference_id.get() else {
                        return false;
                    };
                    return match self.ev.scoping.get_reference(r).symbol_id() {
                        None => {
                            !matches!(crate::eval::global_root(id.name.as_str()), Value::Unknown)
                        }
                        Some(sym) => self.ev.bindings.contains_key(&sym),
                    };
                }
                Expression::StaticMemberExpression(m) => &m.object,
                Expression::ComputedMemberExpression(m) => &m.object,
                Expression::CallExpression(c) => &c.callee,
                Expression::ParenthesizedExpression(p) => &p.expression,
                Expression::SequenceExpression(s) => match s.expressions.last() {
                    Some(l) => l,
                    None => return false,
                },
                Expression::NewExpression(n) => &n.callee,
                Expression::ChainExpression(_)
                | Expression::ImportExpression(_)
                | Expression::AwaitExpression(_)
                | Expression::StringLiteral(_)
                | Expression::TemplateLiteral(_)
                | Expression::ArrayExpression(_)
                | Expression::BinaryExpression(_)
                | Expression::TSAsExpression(_)
                | Expression::TSNonNullExpression(_) => return true,
                _ => return false,
            };
        }
        false
    }

    fn is_process_env(&mut self, e: &Expression<'_>) -> bool {
        self.worth_evaluating(e)
            && matches!(self.ev.eval(e, 0), Value::Global(ref p) if p == "process.env")
    }

    /// A read of the whole `process.env`: detail `*`, or `keys` when only the variable names
    /// are taken (`Object.keys(process.env)`, as `debug` does to find its `DEBUG_*` options).
    fn whole_env_read(&mut self, span: oxc_span::Span, keys_only: bool) {
        let detail = if keys_only { "keys" } else { "*" };
        self.add_use(
            Capability::Env,
            "process.env",
            UseKind::Read,
            span,
            Some(detail.to_string()),
        );
    }

    fn on_call(&mut self, call: &CallExpression<'_>) {
        if !self.worth_evaluating(&call.callee) {
            return;
        }
        let callee = self.ev.eval_callee(&call.callee, 0);
        let args = call.arguments.get(callee.shift..).unwrap_or(&[]);
        let span = call.span;
        match callee.value {
            Value::RequireFn => {
                let spec = self.ev.arg_str(args, 0, 0);
                self.add_import(spec.as_deref(), ImportKind::Require, span);
                self.add_call("require".to_string(), args, span);
            }
            Value::Module(m, p) => {
                let api = canon_module(&m, &p);
                if let Some(cap) = member_capability(&m, &p) {
                    self.add_use(cap, api.clone(), UseKind::Call, span, None);
                }
                if records_calls(&m) {
                    self.add_call(api, args, span);
                }
            }
            Value::Global(p) => {
                if let Some(cap) = global_capability(&p)
                    && cap != Capability::Env
                {
                    self.add_use(cap, p.clone(), UseKind::Call, span, None);
                }
                if STRING_TIMERS.contains(&p.as_str())
                    && let Some(first) = args.first().and_then(Argument::as_expression)
                    && self.ev.fold_str(first, 0).is_some()
                {
                    let api = format!("{p}(string)");
                    self.add_use(Capability::DynamicCode, api, UseKind::Call, span, None);
                }
                if p == "process.binding" || p == "process._linkedBinding" {
                    let name = self.ev.arg_str(args, 0, 0);
                    if name.as_deref() == Some("spawn_sync") {
                        let api = format!("{p}('spawn_sync')");
                        self.add_use(Capability::Shell, api, UseKind::Call, span, name);
                    }
                }
                if KNOWN_CALLEES.contains(&p.as_str()) || global_capability(&p).is_some() {
                    self.add_call(p, args, span);
                }
            }
            _ => {}
        }
    }

    fn on_new(&mut self, new: &NewExpression<'_>) {
        if !self.worth_evaluating(&new.callee) {
            return;
        }
        let callee = self.ev.eval_callee(&new.callee, 0);
        let span = new.span;
        match callee.value {
            Value::Module(m, p) => {
                let api = canon_module(&m, &p);
                if let Some(cap) = member_capability(&m, &p) {
                    self.add_use(cap, api.clone(), UseKind::Construct, span, None);
                }
                if m == "worker_threads" && p == "Worker" && worker_eval(&new.arguments) {
                    self.add_use(
                        Capability::Debug,
                        api.clone(),
                        UseKind::Construct,
                        span,
                        Some("eval: true".to_string()),
                    );
                }
                if records_calls(&m) {
                    self.add_call(api, &new.arguments, span);
                }
            }
            Value::Global(p) => {
                if let Some(cap) = global_capability(&p) {
                    self.add_use(cap, p.clone(), UseKind::Construct, span, None);
                    self.add_call(p, &new.arguments, span);
                }
            }
            _ => {}
        }
    }

    fn on_member(&mut self, m: &MemberExpression<'_>, span: oxc_span::Span) {
        if self.write_target == Some(span) {
            return;
        }
        let obj = m.object();
        if !self.is_process_env(obj) {
            return;
        }
        let name = self.ev.prop_name(m, 0).map(|c| c.into_owned());
        self.add_use(Capability::Env, "process.env", UseKind::Read, span, name);
    }

    fn on_assignment(&mut self, a: &AssignmentExpression<'_>) {
        let Some(m) = a.left.as_member_expression() else {
            return;
        };
        let span = m.span();
        self.write_target = Some(span);
        if !self.worth_evaluating(m.object()) {
            return;
        }
        let obj = self.ev.eval(m.object(), 0);
        let Some(prop) = self.ev.prop_name(m, 0).map(|c| c.into_owned()) else {
            return;
        };
        if matches!(&obj, Value::Global(p) if p == "process.env") {
            self.add_use(
                Capability::Env,
                "process.env",
                UseKind::Write,
                span,
                Some(prop),
            );
            return;
        }
        if let Value::Global(p) = crate::eval::member(obj, &prop)
            && let Some(cap) = global_capability(&p)
        {
            self.add_use(cap, p, UseKind::Write, span, None);
        }
    }

    /// Bind the names a declarator introduces to the value of its initializer.
    fn bind_pattern(&mut self, pattern: &BindingPattern<'_>, value: Value, depth: u32) {
        if depth > 64 || matches!(value, Value::Unknown) {
            return;
        }
        match pattern {
            BindingPattern::BindingIdentifier(b) => {
                if let Some(sym) = b.symbol_id.get() {
                    self.ev.bindings.insert(sym, value);
                }
            }
            BindingPattern::ObjectPattern(o) => {
                let env = matches!(&value, Value::Global(p) if p == "process.env");
                for prop in &o.properties {
                    let key = match &prop.key {
                        PropertyKey::StaticIdentifier(id) => Some(id.name.as_str().to_string()),
                        PropertyKey::StringLiteral(s) => Some(s.value.as_str().to_string()),
                        other => other.as_expression().and_then(|e| self.ev.fold_str(e, 0)),
                    };
                    if env {
                        self.add_use(
                            Capability::Env,
                            "process.env",
                            UseKind::Read,
                            prop.span,
                            key.clone(),
                        );
                    }
                    if let Some(key) = key {
                        let v = crate::eval::member(value.clone(), &key);
                        self.bind_pattern(&prop.value, v, depth + 1);
                    }
                }
                if env && let Some(rest) = &o.rest {
                    self.whole_env_read(rest.span, false);
                }
            }
            BindingPattern::AssignmentPattern(a) => self.bind_pattern(&a.left, value, depth + 1),
            BindingPattern::ArrayPattern(_) => {}
        }
    }

    fn bind_import(&mut self, decl: &ImportDeclaration<'_>) {
        let module = normalize_module(decl.source.value.as_str()).to_string();
        let Some(specs) = &decl.specifiers else {
            return;
        };
        for s in specs {
            let (local, member) = match s {
                ImportDeclarationSpecifier::ImportSpecifier(s) => {
                    let name = match &s.imported {
                        ModuleExportName::IdentifierName(n) => n.name.as_str().to_string(),
                        ModuleExportName::IdentifierReference(n) => n.name.as_str().to_string(),
                        ModuleExportName::StringLiteral(n) => n.value.as_str().to_string(),
                    };
                    let name = if name == "default" {
                        String::new()
                    } else {
                        name
                    };
                    (&s.local, name)
                }
                ImportDeclarationSpecifier::ImportDefaultSpecifier(s) => (&s.local, String::new()),
                ImportDeclarationSpecifier::ImportNamespaceSpecifier(s) => {
                    (&s.local, String::new())
                }
            };
            if let Some(sym) = local.symbol_id.get() {
                self.ev
                    .bindings
                    .insert(sym, Value::Module(module.clone(), member));
            }
        }
    }
}

/// `new Worker(code, { eval: true })`.
fn worker_eval(args: &[Argument<'_>]) -> bool {
    let Some(Argument::ObjectExpression(o)) = args.get(1) else {
        return false;
    };
    o.properties.iter().any(|p| match p {
        ObjectPropertyKind::ObjectProperty(p) => {
            p.key.static_name().is_some_and(|n| n == "eval")
                && matches!(&p.value, Expression::BooleanLiteral(b) if b.value)
        }
        ObjectPropertyKind::SpreadProperty(_) => false,
    })
}

impl<'a> Visit<'a> for Collector<'_> {
    fn visit_expression(&mut self, it: &Expression<'a>) {
        if self.expr_depth >= MAX_VISIT_DEPTH {
            return;
        }
        self.expr_depth += 1;
        let prev = self.in_plus_chain;
        let is_plus =
            matches!(it, Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition);
        if !is_plus {
            self.in_plus_chain = false;
        }
        walk::walk_expression(self, it);
        self.in_plus_chain = prev;
        self.expr_depth -= 1;
    }

    fn visit_function(&mut self, it: &Function<'a>, flags: ScopeFlags) {
        self.enter_function(it.span);
        walk::walk_function(self, it, flags);
        self.leave_function();
    }

    fn visit_arrow_function_expression(&mut self, it: &ArrowFunctionExpression<'a>) {
        self.enter_function(it.span);
        walk::walk_arrow_function_expression(self, it);
        self.leave_function();
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        self.on_call(it);
        self.taint_callback_params(it);
        // Whole-object reads of `process.env` passed as an argument.
        let keys_only = matches!(&it.callee, Expression::StaticMemberExpression(m)
            if m.property.name == "keys"
                && matches!(&m.object, Expression::Identifier(id) if id.name == "Object"));
        for a in &it.arguments {
            if let Some(e) = a.as_expression()
                && matches!(
                    e,
                    Expression::Identifier(_)
                        | Expression::StaticMemberExpression(_)
                        | Expression::ComputedMemberExpression(_)
                        | Expression::ParenthesizedExpression(_)
                )
                && self.is_process_env(e)
            {
                self.whole_env_read(a.span(), keys_only);
            }
        }
        // A call that computes a string (`[..].join('')`, `atob(..)`) is a folded string.
        let folds = match &it.callee {
            Expression::StaticMemberExpression(m) => {
                FOLDING_METHODS.contains(&m.property.name.as_str())
            }
            Expression::Identifier(id) => FOLDING_FUNCTIONS.contains(&id.name.as_str()),
            _ => false,
        };
        if folds && let Value::Str(s) = self.ev.eval_call(it, 0) {
            self.add_string(&s, true, it.span);
        }
        walk::walk_call_expression(self, it);
    }

    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        self.on_new(it);
        walk::walk_new_expression(self, it);
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        let spec = self.ev.fold_str(&it.source, 0);
        self.add_import(spec.as_deref(), ImportKind::Dynamic, it.span);
        walk::walk_import_expression(self, it);
    }

    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        self.add_import(Some(it.source.value.as_str()), ImportKind::Static, it.span);
        self.bind_import(it);
        walk::walk_import_declaration(self, it);
    }

    fn visit_export_all_declaration(&mut self, it: &ExportAllDeclaration<'a>) {
        self.add_import(Some(it.source.value.as_str()), ImportKind::Static, it.span);
        walk::walk_export_all_declaration(self, it);
    }

    fn visit_export_from_declaration(&mut self, it: &ExportFromDeclaration<'a>) {
        self.add_import(Some(it.source.value.as_str()), ImportKind::Static, it.span);
        walk::walk_export_from_declaration(self, it);
    }

    fn visit_ts_import_equals_declaration(&mut self, it: &TSImportEqualsDeclaration<'a>) {
        if let TSModuleReference::ExternalModuleReference(r) = &it.module_reference {
            let spec = r.expression.value.as_str();
            self.add_import(Some(spec), ImportKind::Require, it.span);
            if let Some(sym) = it.id.symbol_id.get() {
                let m = normalize_module(spec).to_string();
                self.ev
                    .bindings
                    .insert(sym, Value::Module(m, String::new()));
            }
        }
        walk::walk_ts_import_equals_declaration(self, it);
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let Some(init) = &it.init {
            if self.worth_evaluating(init) {
                let v = self.ev.eval(init, 0);
                self.bind_pattern(&it.id, v, 0);
            }
            let t = self.taint_of(init, 0);
            if t != 0 {
                self.taint_pattern(&it.id, t, 0);
            }
        }
        walk::walk_variable_declarator(self, it);
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        let prev = self.write_target;
        self.on_assignment(it);
        self.taint_assignment(it);
        walk::walk_assignment_expression(self, it);
        self.write_target = prev;
    }

    fn visit_unary_expression(&mut self, it: &UnaryExpression<'a>) {
        // `delete process.env.X` removes a variable: a write, not a read.
        let prev = self.write_target;
        if it.operator == UnaryOperator::Delete
            && let Some(m) = it.argument.as_member_expression()
        {
            let span = m.span();
            self.write_target = Some(span);
            if self.is_process_env(m.object()) {
                let name = self.ev.prop_name(m, 0).map(|c| c.into_owned());
                self.add_use(Capability::Env, "process.env", UseKind::Write, span, name);
            }
        }
        walk::walk_unary_expression(self, it);
        self.write_target = prev;
    }

    fn visit_member_expression(&mut self, it: &MemberExpression<'a>) {
        self.on_member(it, it.span());
        walk::walk_member_expression(self, it);
    }

    fn visit_spread_element(&mut self, it: &SpreadElement<'a>) {
        if self.is_process_env(&it.argument) {
            self.whole_env_read(it.span, false);
        }
        walk::walk_spread_element(self, it);
    }

    fn visit_binary_expression(&mut self, it: &BinaryExpression<'a>) {
        if it.operator == BinaryOperator::Addition && !self.in_plus_chain {
            if let Value::Str(s) = self.ev.eval_plus(it, 0) {
                self.add_string(&s, true, it.span);
            }
            self.in_plus_chain = true;
        }
        walk::walk_binary_expression(self, it);
    }

    fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
        let v = it.value.as_str();
        if v.len() >= 4 && (v.is_ascii() || v.chars().count() >= 4) {
            self.add_string(v, false, it.span);
        }
    }

    fn visit_template_literal(&mut self, it: &TemplateLiteral<'a>) {
        for q in &it.quasis {
            if let Some(c) = &q.value.cooked {
                let v = c.as_str();
                if v.len() >= 4 && (v.is_ascii() || v.chars().count() >= 4) {
                    self.add_string(v, false, q.span);
                }
            }
        }
        if !it.expressions.is_empty()
            && let Value::Str(s) = self.ev.eval_template(it, 0)
        {
            self.add_string(&s, true, it.span);
        }
        walk::walk_template_literal(self, it);
    }
}

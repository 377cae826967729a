//! A small abstract evaluator over the oxc AST: what does an expression denote, as far as a
//! supply-chain scanner cares? A constant string (folded from concatenation, templates,
//! `join`, `reverse`, base64/hex/char-code decoding), a module or one of its members (through
//! `require`/`import`), a global (`fetch`, `process.env`, `eval`), the `require` function
//! itself, or unknown.
//!
//! Identifiers resolve through oxc's semantic model: an unresolved reference is a global, a
//! resolved one takes the value its declaration bound (evaluated once, when the declaration
//! is visited). All work is bounded: recursion depth, a per-file fuel budget and the size of
//! every string produced, because package code is hostile input.

use crate::capabilities::{GLOBAL_OBJECTS, GLOBAL_ROOTS};
use base64::Engine as _;
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, BinaryExpression, CallExpression, ChainElement, Expression,
    IdentifierReference, MemberExpression, TemplateLiteral,
};
use oxc_semantic::Scoping;
use oxc_syntax::operator::BinaryOperator;
use oxc_syntax::symbol::SymbolId;
use std::borrow::Cow;
// FxHash: keyed by oxc's small integer symbol ids, looked up for most expressions of every
// file; SipHash's DoS resistance buys nothing for integer keys the parser assigns.
use rustc_hash::FxHashMap as HashMap;

/// Deepest recursion of the evaluator. Real evasions nest a handful of levels
/// (`Buffer.from(a.split('').reverse().join(''), 'base64').toString()` is 6); long `+`
/// chains are flattened iteratively and do not count against it.
pub const MAX_DEPTH: u32 = 48;
/// Largest string the evaluator builds (bytes); larger results become unknown.
pub const MAX_VALUE_BYTES: usize = 1 << 20;
/// Longest member path kept for modules and globals (`fs.promises.readFile` is 2 members).
const MAX_PATH_SEGMENTS: usize = 4;
/// Bytes of copying that cost one unit of fuel.
const BYTES_PER_FUEL: usize = 16;
/// Largest array literal folded element by element.
const MAX_ARRAY: usize = 4096;

/// What an expression denotes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Num(f64),
    /// A `Buffer` with known content.
    Bytes(Vec<u8>),
    /// An array of constant strings and numbers.
    Arr(Vec<Value>),
    /// A module (`child_process`) and a dotted member path (`exec`; empty for the module).
    Module(String, String),
    /// A dotted path from the global object (`process.env`, `fetch`); empty = the global
    /// object itself (`globalThis`, `window`, `self`, `global`).
    Global(String),
    /// The built-in `require` function (or an alias of it).
    RequireFn,
    Unknown,
}

impl Value {
    /// Known things a call can resolve to (as opposed to data).
    pub fn is_callable_ref(&self) -> bool {
        matches!(
            self,
            Value::Module(..) | Value::Global(_) | Value::RequireFn
        )
    }

    /// The value as a string, if it is a constant string or number.
    pub fn as_string(&self) -> Option<Cow<'_, str>> {
        match self {
            Value::Str(s) => Some(Cow::Borrowed(s)),
            Value::Num(n) => Some(Cow::Owned(num_to_string(*n))),
            _ => None,
        }
    }
}

/// The evaluator's state for one file.
pub struct Evaluator<'s> {
    pub scoping: &'s Scoping,
    /// Values bound to symbols by their declaration (`const cp = require(...)`).
    pub bindings: HashMap<SymbolId, Value>,
    /// Remaining evaluation steps for this file.
    pub fuel: u64,
}

/// How a call's callee resolved.
pub struct Callee<'e> {
    /// What is called (after `.call` unwrapping).
    pub value: Value,
    /// Arguments to skip: 1 for `f.call(thisArg, ...)`.
    pub shift: usize,
    /// For method calls on constant data (`'a,b'.split(',')`): the receiver and method name.
    pub method: Option<(Value, Cow<'e, str>)>,
}

impl<'s> Evaluator<'s> {
    pub fn new(scoping: &'s Scoping, fuel: u64) -> Self {
        Self {
            scoping,
            bindings: HashMap::default(),
            fuel,
        }
    }

    /// Depth bounds every evaluation. Fuel bounds only the work of *folding* (copying and
    /// building data): once it is spent, strings stop folding for the rest of the file but
    /// names still resolve, so `fetch(...)` is found even after a folding bomb.
    fn step(&mut self, depth: u32) -> bool {
        self.fuel = self.fuel.saturating_sub(1);
        depth <= MAX_DEPTH
    }

    fn starved(&self) -> bool {
        self.fuel == 0
    }

    /// Fold an expression to a constant string (numbers print as JavaScript prints them).
    pub fn fold_str(&mut self, e: &Expression<'_>, depth: u32) -> Option<String> {
        match self.eval(e, depth) {
            Value::Str(s) => Some(s),
            Value::Num(n) => Some(num_to_string(n)),
            _ => None,
        }
    }

    pub fn eval(&mut self, e: &Expression<'_>, depth: u32) -> Value {
        if !self.step(depth) {
            return Value::Unknown;
        }
        let d = depth + 1;
        match e {
            Expression::StringLiteral(s) => {
                self.fuel = self
                    .fuel
                    .saturating_sub((s.value.len() / BYTES_PER_FUEL) as u64);
                // Short literals (module names, URLs) fold even when starved: they are
                // cheap, and `require('x')` must never turn into a dynamic require.
                if s.value.len() > MAX_VALUE_BYTES || (self.starved() && s.value.len() > 256) {
                    Value::Unknown
                } else {
                    Value::Str(s.value.as_str().to_string())
                }
            }
            Expression::NumericLiteral(n) => Value::Num(n.value),
            Expression::TemplateLiteral(t) => self.eval_template(t, d),
            Expression::Identifier(id) => self.eval_ident(id),
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                self.eval_plus(b, d)
            }
            Expression::ParenthesizedExpression(p) => self.eval(&p.expression, d),
            Expression::SequenceExpression(s) => match s.expressions.last() {
                Some(last) => self.eval(last, d),
                None => Value::Unknown,
            },
            Expression::AwaitExpression(a) => self.eval(&a.argument, d),
            Expression::TSAsExpression(x) => self.eval(&x.expression, d),
            Expression::TSSatisfiesExpression(x) => self.eval(&x.expression, d),
            Expression::TSNonNullExpression(x) => self.eval(&x.expression, d),
            Expression::TSTypeAssertion(x) => self.eval(&x.expression, d),
            Expression::ChainExpression(c) => match &c.expression {
                ChainElement::CallExpression(call) => self.eval_call(call, d),
                ChainElement::TSNonNullExpression(x) => self.eval(&x.expression, d),
                other => match other.as_member_expression() {
                    Some(m) => self.eval_member(m, d),
                    None => Value::Unknown,
                },
            },
            Expression::ImportExpression(i) => match self.fold_str(&i.source, d) {
                Some(s) => Value::Module(normalize_module(&s).to_string(), String::new()),
                None => Value::Unknown,
            },
            Expression::CallExpression(call) => self.eval_call(call, d),
            Expression::NewExpression(n) => instance_of(self.eval(&n.callee, d)),
            Expression::ArrayExpression(a) => {
                if a.elements.len() > MAX_ARRAY || self.starved() {
                    return Value::Unknown;
                }
                let mut out = Vec::with_capacity(a.elements.len());
                let mut size = 0usize;
                for el in &a.elements {
                    let v = match el {
                        ArrayExpressionElement::SpreadElement(_)
                        | ArrayExpressionElement::Elision(_) => return Value::Unknown,
                        other => match other.as_expression() {
                            Some(x) => self.eval(x, d),
                            None => return Value::Unknown,
                        },
                    };
                    match &v {
                        Value::Str(s) => size += s.len(),
                        Value::Num(_) => size += 8,
                        _ => return Value::Unknown,
                    }
                    if size > MAX_VALUE_BYTES {
                        return Value::Unknown;
                    }
                    out.push(v);
                }
                Value::Arr(out)
            }
            other => match other.as_member_expression() {
                Some(m) => self.eval_member(m, d),
                None => Value::Unknown,
            },
        }
    }

    fn eval_ident(&mut self, id: &IdentifierReference<'_>) -> Value {
        let Some(ref_id) = id.reference_id.get() else {
            return Value::Unknown;
        };
        match self.scoping.get_reference(ref_id).symbol_id() {
            None => global_root(id.name.as_str()),
            Some(sym) => match self.bindings.get(&sym) {
                Some(v @ (Value::Str(_) | Value::Bytes(_) | Value::Arr(_))) => {
                    if self.starved() {
                        return Value::Unknown;
                    }
                    let v = v.clone();
                    self.charge(&v);
                    v
                }
                Some(v) => v.clone(),
                None => Value::Unknown,
            },
        }
    }

    /// Copying data costs fuel in proportion to its size, so a megabyte constant used in a
    /// thousand places cannot turn into a gigabyte of copying.
    fn charge(&mut self, v: &Value) {
        let bytes = match v {
            Value::Str(s) => s.len(),
            Value::Bytes(b) => b.len(),
            Value::Arr(a) => a.len() * 16,
            _ => 0,
        };
        self.fuel = self.fuel.saturating_sub((bytes / BYTES_PER_FUEL) as u64);
    }

    pub fn eval_template(&mut self, t: &TemplateLiteral<'_>, depth: u32) -> Value {
        if self.starved() {
            return Value::Unknown;
        }
        let mut out = String::new();
        for (i, q) in t.quasis.iter().enumerate() {
            let Some(cooked) = &q.value.cooked else {
                return Value::Unknown;
            };
            out.push_str(cooked.as_str());
            if let Some(e) = t.expressions.get(i) {
                match self.fold_str(e, depth) {
                    Some(s) => out.push_str(&s),
                    None => return Value::Unknown,
                }
            }
            if out.len() > MAX_VALUE_BYTES {
                return Value::Unknown;
            }
        }
        Value::Str(out)
    }

    /// `a + b + c + ...`: the left-deep chain is flattened iteratively, so a 5,000-term
    /// concatenation neither recurses nor hits the depth limit.
    pub fn eval_plus(&mut self, b: &BinaryExpression<'_>, depth: u32) -> Value {
        let mut rights: Vec<&Expression<'_>> = vec![&b.right];
        let mut cur: &Expression<'_> = &b.left;
        while let Expression::BinaryExpression(inner) = cur {
            if inner.operator != BinaryOperator::Addition {
                break;
            }
            rights.push(&inner.right);
            cur = &inner.left;
        }
        if self.starved() {
            return Value::Unknown;
        }
        let mut acc = self.eval(cur, depth);
        for r in rights.into_iter().rev() {
            if matches!(acc, Value::Unknown) || self.starved() {
                return Value::Unknown;
            }
            let rv = self.eval(r, depth);
            acc = match (acc, rv) {
                (Value::Num(a), Value::Num(x)) => Value::Num(a + x),
                (Value::Str(mut a), Value::Str(x)) => {
                    a.push_str(&x);
                    Value::Str(a)
                }
                (Value::Str(mut a), Value::Num(x)) => {
                    a.push_str(&num_to_string(x));
                    Value::Str(a)
                }
                (Value::Num(a), Value::Str(x)) => Value::Str(num_to_string(a) + &x),
                _ => return Value::Unknown,
            };
            if let Value::Str(s) = &acc
                && s.len() > MAX_VALUE_BYTES
            {
                return Value::Unknown;
            }
            self.charge(&acc);
        }
        acc
    }

    /// The property name of a member expression: static, or a folded computed key.
    pub fn prop_name<'e>(
        &mut self,
        m: &'e MemberExpression<'_>,
        depth: u32,
    ) -> Option<Cow<'e, str>> {
        match m {
            MemberExpression::StaticMemberExpression(s) => {
                Some(Cow::Borrowed(s.property.name.as_str()))
            }
            MemberExpression::ComputedMemberExpression(c) => match &c.expression {
                Expression::StringLiteral(s) => Some(Cow::Borrowed(s.value.as_str())),
                other => self.fold_str(other, depth).map(Cow::Owned),
            },
            MemberExpression::PrivateFieldExpression(_) => None,
        }
    }

    pub fn eval_member(&mut self, m: &MemberExpression<'_>, depth: u32) -> Value {
        let obj = self.eval(m.object(), depth);
        if matches!(obj, Value::Unknown) {
            return Value::Unknown;
        }
        match self.prop_name(m, depth) {
            Some(prop) => member(obj, &prop),
            None => Value::Unknown,
        }
    }

    /// Resolve a callee once: the object of a member callee is evaluated a single time, so
    /// chains like `s.split('').reverse().join('')` stay linear.
    pub fn eval_callee<'e>(&mut self, callee: &'e Expression<'_>, depth: u32) -> Callee<'e> {
        let unknown = Callee {
            value: Value::Unknown,
            shift: 0,
            method: None,
        };
        let mut callee = callee;
        // Unwrap `(0, eval)`, `(eval)`, `eval!` without recursion.
        for _ in 0..64 {
            callee = match callee {
                Expression::ParenthesizedExpression(p) => &p.expression,
                Expression::SequenceExpression(s) => match s.expressions.last() {
                    Some(l) => l,
                    None => return unknown,
                },
                Expression::TSNonNullExpression(x) => &x.expression,
                Expression::TSAsExpression(x) => &x.expression,
                _ => break,
            };
        }
        if let Some(m) = callee.as_member_expression() {
            if !self.step(depth) {
                return unknown;
            }
            let obj = self.eval(m.object(), depth + 1);
            if matches!(obj, Value::Unknown) {
                return unknown;
            }
            let Some(prop) = self.prop_name(m, depth + 1) else {
                return unknown;
            };
            if matches!(
                obj,
                Value::Str(_) | Value::Arr(_) | Value::Bytes(_) | Value::Num(_)
            ) {
                return Callee {
                    value: Value::Unknown,
                    shift: 0,
                    method: Some((obj, prop)),
                };
            }
            if prop == "call" && obj.is_callable_ref() {
                return Callee {
                    value: obj,
                    shift: 1,
                    method: None,
                };
            }
            return Callee {
                value: member(obj, &prop),
                shift: 0,
                method: None,
            };
        }
        Callee {
            value: self.eval(callee, depth),
            shift: 0,
            method: None,
        }
    }

    pub fn eval_call(&mut self, call: &CallExpression<'_>, depth: u32) -> Value {
        if !self.step(depth) {
            return Value::Unknown;
        }
        let callee = self.eval_callee(&call.callee, depth);
        let args = call.arguments.get(callee.shift..).unwrap_or(&[]);
        if let Some((recv, name)) = callee.method {
            if self.starved() {
                return Value::Unknown;
            }
            return self.eval_method(recv, &name, args, depth);
        }
        match callee.value {
            Value::RequireFn => match self.arg_str(args, 0, depth) {
                Some(s) => Value::Module(normalize_module(&s).to_string(), String::new()),
                None => Value::Unknown,
            },
            Value::Global(p) => self.eval_builtin(&p, args, depth),
            Value::Module(m, p) => channel_result(m, p),
            _ => Value::Unknown,
        }
    }

    pub fn arg_str(&mut self, args: &[Argument<'_>], i: usize, depth: u32) -> Option<String> {
        let a = args.get(i)?.as_expression()?;
        self.fold_str(a, depth)
    }

    fn arg_val(&mut self, args: &[Argument<'_>], i: usize, depth: u32) -> Value {
        match args.get(i).and_then(Argument::as_expression) {
            Some(a) => self.eval(a, depth),
            None => Value::Unknown,
        }
    }

    fn eval_builtin(&mut self, path: &str, args: &[Argument<'_>], depth: u32) -> Value {
        if self.starved() {
            return Value::Unknown;
        }
        match path {
            "String.fromCharCode" => {
                if args.len() > MAX_VALUE_BYTES / 4 {
                    return Value::Unknown;
                }
                let mut out = String::with_capacity(args.len());
                for i in 0..args.len() {
                    match self.arg_val(args, i, depth) {
                        // ToUint16, as the spec says; lone surrogates become U+FFFD.
                        Value::Num(n) if n.is_finite() => {
                            let code = (n as i64).rem_euclid(65_536) as u32;
                            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                        }
                        _ => return Value::Unknown,
                    }
                }
                Value::Str(out)
            }
            "atob" => match self.arg_str(args, 0, depth) {
                Some(s) => decode_base64(&s).map_or(Value::Unknown, |b| Value::Str(latin1(&b))),
                None => Value::Unknown,
            },
            "decodeURIComponent" | "decodeURI" | "unescape" => match self.arg_str(args, 0, depth) {
                Some(s) => Value::Str(percent_decode(&s)),
                None => Value::Unknown,
            },
            "Buffer.from" => {
                let enc = self.arg_str(args, 1, depth);
                match self.arg_val(args, 0, depth) {
                    Value::Str(s) => {
                        decode_with(&s, enc.as_deref()).map_or(Value::Unknown, Value::Bytes)
                    }
                    Value::Arr(items) => {
                        let mut out = Vec::with_capacity(items.len());
                        for it in items {
                            match it {
                                Value::Num(n) if n.is_finite() => {
                                    out.push((n as i64).rem_euclid(256) as u8);
                                }
                                _ => return Value::Unknown,
                            }
                        }
                        Value::Bytes(out)
                    }
                    _ => Value::Unknown,
                }
            }
            _ => Value::Unknown,
        }
    }

    fn eval_method(&mut self, recv: Value, name: &str, args: &[Argument<'_>], depth: u32) -> Value {
        match (recv, name) {
            (Value::Str(mut s), "concat") => {
                for i in 0..args.len() {
                    match self.arg_str(args, i, depth) {
                        Some(x) => s.push_str(&x),
                        None => return Value::Unknown,
                    }
                    if s.len() > MAX_VALUE_BYTES {
                        return Value::Unknown;
                    }
                }
                Value::Str(s)
            }
            (Value::Str(s), "split") => {
                let sep = self.arg_str(args, 0, depth);
                let parts: Vec<Value> = match sep.as_deref() {
                    Some("") => s.chars().map(|c| Value::Str(c.to_string())).collect(),
                    Some(sep) => s.split(sep).map(|p| Value::Str(p.to_string())).collect(),
                    None if args.is_empty() => vec![Value::Str(s)],
                    None => return Value::Unknown,
                };
                Value::Arr(parts)
            }
            (Value::Str(s), "toLowerCase" | "toLocaleLowerCase") => Value::Str(s.to_lowercase()),
            (Value::Str(s), "toUpperCase" | "toLocaleUpperCase") => Value::Str(s.to_uppercase()),
            (Value::Str(s), "trim") => Value::Str(s.trim().to_string()),
            (Value::Str(s), "toString" | "valueOf") => Value::Str(s),
            (Value::Str(s), "replace" | "replaceAll") => {
                let (Some(from), Some(to)) =
                    (self.arg_str(args, 0, depth), self.arg_str(args, 1, depth))
                else {
                    return Value::Unknown;
                };
                let out = if name == "replace" {
                    s.replacen(&from, &to, 1)
                } else if from.is_empty() {
                    return Value::Unknown;
                } else {
                    s.replace(&from, &to)
                };
                if out.len() > MAX_VALUE_BYTES {
                    return Value::Unknown;
                }
                Value::Str(out)
            }
            (Value::Str(s), "slice" | "substring" | "substr") => {
                let chars: Vec<char> = s.chars().collect();
                let len = chars.len() as i64;
                let num = |v: Value| match v {
                    Value::Num(n) if n.is_finite() => Some(n as i64),
                    _ => None,
                };
                let a = num(self.arg_val(args, 0, depth));
                let b = if args.len() > 1 {
                    match num(self.arg_val(args, 1, depth)) {
                        Some(b) => Some(b),
                        None => return Value::Unknown,
                    }
                } else {
                    None
                };
                let Some(a) = a else { return Value::Unknown };
                let (start, end) = match name {
                    "slice" => {
                        let fix = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
                        (fix(a), fix(b.unwrap_or(len)))
                    }
                    "substring" => {
                        let fix = |x: i64| x.clamp(0, len);
                        let (x, y) = (fix(a), fix(b.unwrap_or(len)));
                        (x.min(y), x.max(y))
                    }
                    _ => {
                        let start = if a < 0 { (len + a).max(0) } else { a.min(len) };
                        (start, (start + b.unwrap_or(len).max(0)).min(len))
                    }
                };
                if start >= end {
                    return Value::Str(String::new());
                }
                Value::Str(chars[start as usize..end as usize].iter().collect())
            }
            (Value::Arr(items), "join") => {
                let sep = if args.is_empty() {
                    ",".to_string()
                } else {
                    match self.arg_str(args, 0, depth) {
                        Some(s) => s,
                        None => return Value::Unknown,
                    }
                };
                let mut out = String::new();
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&sep);
                    }
                    match it.as_string() {
                        Some(s) => out.push_str(&s),
                        None => return Value::Unknown,
                    }
                    if out.len() > MAX_VALUE_BYTES {
                        return Value::Unknown;
                    }
                }
                Value::Str(out)
            }
            (Value::Arr(mut items), "reverse") => {
                items.reverse();
                Value::Arr(items)
            }
            (Value::Bytes(b), "toString") => {
                let enc = self.arg_str(args, 0, depth);
                match enc.as_deref().map(str::to_ascii_lowercase).as_deref() {
                    None | Some("utf8" | "utf-8") => {
                        Value::Str(String::from_utf8_lossy(&b).into_owned())
                    }
                    Some("latin1" | "binary" | "ascii") => Value::Str(latin1(&b)),
                    Some("hex") => Value::Str(hex::encode(&b)),
                    Some("base64") => {
                        Value::Str(base64::engine::general_purpose::STANDARD.encode(&b))
                    }
                    _ => Value::Unknown,
                }
            }
            (Value::Num(n), "toString") if args.is_empty() => Value::Str(num_to_string(n)),
            _ => Value::Unknown,
        }
    }
}

/// `obj.prop` over abstract values.
pub fn member(obj: Value, prop: &str) -> Value {
    match obj {
        Value::Global(p) if p.is_empty() => global_root(prop),
        Value::Global(p) => {
            if (p == "module" || p == "process.mainModule" || p == "require.main")
                && prop == "require"
            {
                return Value::RequireFn;
            }
            if p.split('.').count() >= MAX_PATH_SEGMENTS {
                return Value::Unknown;
            }
            Value::Global(format!("{p}.{prop}"))
        }
        Value::RequireFn => match prop {
            "main" => Value::Global("require.main".to_string()),
            _ => Value::Unknown,
        },
        Value::Module(m, p) => {
            if p.is_empty() {
                // `import cp from 'child_process'` compiled with interop: `cp.default.exec`.
                if prop == "default" {
                    return Value::Module(m, p);
                }
                return Value::Module(m, prop.to_string());
            }
            if p.split('.').count() >= MAX_PATH_SEGMENTS {
                return Value::Unknown;
            }
            Value::Module(m, format!("{p}.{prop}"))
        }
        Value::Str(s) if prop == "length" => Value::Num(s.chars().count() as f64),
        Value::Arr(a) if prop == "length" => Value::Num(a.len() as f64),
        _ => Value::Unknown,
    }
}

/// Module functions whose result is a channel that later calls use (`req.write(body)`,
/// `socket.write(data)`): the result is tracked as `Module(m, "<fn>()")`, so
/// `const req = https.request(o); req.end(x)` records the call `https.request().end`.
const CHANNEL_FUNCTIONS: &[(&str, &[&str])] = &[
    ("http", &["request", "get"]),
    ("https", &["request", "get"]),
    ("http2", &["connect"]),
    ("net", &["connect", "createConnection", "Socket"]),
    ("tls", &["connect"]),
    ("dgram", &["createSocket"]),
];

/// What calling `m.p(...)` returns, as far as calls on the result matter.
fn channel_result(m: String, p: String) -> Value {
    let known = CHANNEL_FUNCTIONS
        .iter()
        .any(|(module, fns)| *module == m && fns.contains(&p.as_str()));
    if known {
        Value::Module(m, format!("{p}()"))
    } else {
        Value::Unknown
    }
}

/// What `new X(...)` denotes: a channel instance of a module class (`new net.Socket()`), a
/// browser request object (`new XMLHttpRequest()`, tracked through its prototype so
/// `xhr.send(body)` is `XMLHttpRequest.prototype.send`), or a fresh CommonJS module
/// (`new module.constructor()`, whose `_compile` runs source text).
fn instance_of(class: Value) -> Value {
    match class {
        Value::Module(m, p) => channel_result(m, p),
        Value::Global(p) if p == "XMLHttpRequest" || p == "WebSocket" => {
            Value::Global(format!("{p}.prototype"))
        }
        Value::Global(p) if p == "module.constructor" => Value::Global("module".to_string()),
        _ => Value::Unknown,
    }
}

/// An unresolved identifier (or a property of the global object).
pub fn global_root(name: &str) -> Value {
    if GLOBAL_OBJECTS.contains(&name) {
        Value::Global(String::new())
    } else if name == "require" {
        Value::RequireFn
    } else if GLOBAL_ROOTS.contains(&name) {
        Value::Global(name.to_string())
    } else {
        Value::Unknown
    }
}

/// `node:fs` is `fs`.
pub fn normalize_module(s: &str) -> &str {
    s.strip_prefix("node:").unwrap_or(s)
}

/// Numbers as JavaScript's `String(n)` prints them, for the cases that occur in folding.
pub fn num_to_string(n: f64) -> String {
    if n.is_nan() {
        "NaN".to_string()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else if n.fract() == 0.0 && n.abs() < 1e21 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

/// Lenient base64 as Node's `Buffer.from(s, 'base64')` is: standard or URL alphabet,
/// whitespace ignored, padding optional.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let clean: String = s
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect::<String>()
        .trim_end_matches('=')
        .to_string();
    STANDARD_NO_PAD
        .decode(&clean)
        .or_else(|_| URL_SAFE_NO_PAD.decode(&clean))
        .ok()
}

fn decode_with(s: &str, enc: Option<&str>) -> Option<Vec<u8>> {
    match enc.map(str::to_ascii_lowercase).as_deref() {
        None | Some("utf8" | "utf-8") => Some(s.as_bytes().to_vec()),
        Some("base64" | "base64url") => decode_base64(s),
        Some("hex") => {
            // Node stops at the first non-hex pair; an odd tail is dropped.
            let even = &s[..s.len() - s.len() % 2];
            hex::decode(even).ok()
        }
        Some("latin1" | "binary" | "ascii") => {
            Some(s.chars().map(|c| (c as u32 & 0xFF) as u8).collect())
        }
        _ => None,
    }
}

/// `%XX` decoding (also `%uXXXX` for `unescape`); invalid sequences are kept as written.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if b.get(i + 1) == Some(&b'u')
                && let Some(h) = s.get(i + 2..i + 6)
                && let Ok(code) = u32::from_str_radix(h, 16)
            {
                let c = char::from_u32(code).unwrap_or('\u{FFFD}');
                let mut buf = [0u8; 4];
                bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += 6;
                continue;
            }
            if let Some(h) = s.get(i + 1..i + 3)
                && let Ok(v) = u8::from_str_radix(h, 16)
            {
                bytes.push(v);
                i += 3;
                continue;
            }
        }
        bytes.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

//! A small abstract evaluator over ruff's Python AST: what does an expression denote, as far
//! as a supply-chain scanner cares? A constant string, bytes, integer or list (folded from
//! concatenation, f-strings, `join`, slicing, `chr`, `bytes.fromhex`, base64/hex/rot13/zlib
//! decoding), a module or one of its members (a dotted path, through `import`, `__import__`,
//! `importlib.import_module`, `getattr`, `sys.modules[...]`, `globals()['__builtins__']`),
//! or unknown.
//!
//! ruff's parser crate has no semantic model, so names resolve through a simple scope
//! tracker: the module scope and one scope per function/class body. Each scope knows every
//! name bound anywhere in it (a pre-pass over its statements, as Python decides locality)
//! and the values bound so far. A local `def open()` or parameter `exec` is therefore not
//! the builtin. All work is bounded: recursion depth, a per-file fuel budget and the size of
//! every value produced, because package code is hostile input.

use crate::capabilities::{TRACKED_BUILTINS, capability_of};
use base64::Engine as _;
use ruff_python_ast::{
    self as ast, ConversionFlag, Expr, InterpolatedStringElement, Number, Operator, Stmt,
};
use std::collections::{HashMap, HashSet};
use std::io::Read as _;

/// Deepest recursion of the evaluator. Real evasions nest a handful of levels
/// (`exec(zlib.decompress(base64.b64decode(s[::-1])).decode())` is 6); long `+` chains are
/// flattened iteratively and do not count against it.
pub const MAX_DEPTH: u32 = 48;
/// Largest value the evaluator builds (bytes), decompression output included; larger
/// results become unknown.
pub const MAX_VALUE_BYTES: usize = 1 << 20;
/// Longest dotted path kept (`urllib.request.urlopen.read` is 4 segments).
const MAX_PATH_SEGMENTS: usize = 6;
/// Bytes of copying that cost one unit of fuel.
const BYTES_PER_FUEL: usize = 16;
/// Largest list literal folded element by element.
const MAX_LIST: usize = 4096;

/// What an expression denotes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Bytes(Vec<u8>),
    Int(i64),
    /// A list or tuple of constants.
    List(Vec<Value>),
    /// A module, a member of one, a builtin (`builtins.exec`) or an instance of a known
    /// class (kept as the class path).
    Ref(String),
    /// The result of `globals()` / `locals()` / `vars()`: subscripting it looks a name up.
    Namespace,
    Unknown,
}

impl Value {
    fn size(&self) -> usize {
        match self {
            Value::Str(s) => s.len(),
            Value::Bytes(b) => b.len(),
            Value::List(l) => l.iter().map(Value::size).sum::<usize>() + 8 * l.len(),
            _ => 8,
        }
    }
}

/// What kind of body a scope is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Function,
    Class,
}

/// One scope: the names bound anywhere in it, and the values bound so far.
#[derive(Debug)]
pub struct Scope {
    pub kind: ScopeKind,
    bound: HashSet<String>,
    globals: HashSet<String>,
    values: HashMap<String, Value>,
    /// Modules star-imported here (`from os import *`).
    star: Vec<String>,
}

/// The evaluator's state for one file.
pub struct Evaluator {
    pub scopes: Vec<Scope>,
    /// Remaining evaluation steps for this file.
    pub fuel: u64,
}

impl Evaluator {
    pub fn new(module_body: &[Stmt], fuel: u64) -> Self {
        let (bound, globals) = bound_names(module_body, &[]);
        Self {
            scopes: vec![Scope {
                kind: ScopeKind::Module,
                bound,
                globals,
                values: HashMap::new(),
                star: Vec::new(),
            }],
            fuel,
        }
    }

    /// Enter a function or class body; `params` are bound (to unknown values) first.
    pub fn push_scope(&mut self, kind: ScopeKind, body: &[Stmt], params: &[&str]) {
        let (bound, globals) = bound_names(body, params);
        self.scopes.push(Scope {
            kind,
            bound,
            globals,
            values: HashMap::new(),
            star: Vec::new(),
        });
    }

    pub fn pop_scope(&mut self) {
        if self.scopes.len() > 1 {
            self.scopes.pop();
        }
    }

    /// Bind `name` in the current scope (or the module scope after `global name`).
    pub fn bind(&mut self, name: &str, value: Value) {
        let Some(cur) = self.scopes.last_mut() else {
            return;
        };
        if cur.globals.contains(name) {
            if let Some(m) = self.scopes.first_mut() {
                m.values.insert(name.to_string(), Value::Unknown);
            }
            return;
        }
        cur.values.insert(name.to_string(), value);
    }

    pub fn star_import(&mut self, module: &str) {
        if let Some(cur) = self.scopes.last_mut() {
            cur.star.push(module.to_string());
        }
    }

    /// What a name denotes here, by Python's rules (approximately): local, enclosing
    /// functions (class bodies are skipped from inside nested functions), module, builtins.
    pub fn lookup(&mut self, name: &str) -> Value {
        let n = self.scopes.len();
        let mut found: Option<Value> = None;
        for (i, s) in self.scopes.iter().enumerate().rev() {
            let innermost = i + 1 == n;
            if s.kind == ScopeKind::Class && !innermost {
                continue;
            }
            if s.globals.contains(name) {
                continue;
            }
            if let Some(v) = s.values.get(name) {
                found = Some(v.clone());
                break;
            }
            // Bound somewhere in this scope but not (yet) by a statement we saw: a local of
            // unknown value. At module level, while running top-level code, a later binding
            // does not exist yet, so the name is still the builtin.
            let module_now = s.kind == ScopeKind::Module && innermost;
            if s.bound.contains(name) && !module_now {
                return Value::Unknown;
            }
            if let Some(v) = star_member(&s.star, name) {
                found = Some(v);
                break;
            }
        }
        match found {
            Some(v) => {
                self.charge(&v);
                if self.starved() && matches!(v, Value::Str(_) | Value::Bytes(_) | Value::List(_)) {
                    Value::Unknown
                } else {
                    v
                }
            }
            None => builtin(name),
        }
    }

    /// A name at module level, as `globals()[name]` sees it.
    fn lookup_global(&mut self, name: &str) -> Value {
        match self.scopes.first().and_then(|s| s.values.get(name)) {
            Some(v) => v.clone(),
            None => builtin(name),
        }
    }

    fn step(&mut self, depth: u32) -> bool {
        self.fuel = self.fuel.saturating_sub(1);
        depth <= MAX_DEPTH
    }

    fn starved(&self) -> bool {
        self.fuel == 0
    }

    fn charge(&mut self, v: &Value) {
        if matches!(v, Value::Str(_) | Value::Bytes(_) | Value::List(_)) {
            self.fuel = self.fuel.saturating_sub((v.size() / BYTES_PER_FUEL) as u64);
        }
    }

    /// Fold an expression to a constant string. Bytes count when they decode as UTF-8
    /// (`exec` takes bytes), integers print as Python prints them.
    pub fn fold_str(&mut self, e: &Expr, depth: u32) -> Option<String> {
        value_str(self.eval(e, depth))
    }

    pub fn eval(&mut self, e: &Expr, depth: u32) -> Value {
        if !self.step(depth) {
            return Value::Unknown;
        }
        let d = depth + 1;
        let v = match e {
            Expr::StringLiteral(s) => {
                let len = s.value.len();
                self.fuel = self.fuel.saturating_sub((len / BYTES_PER_FUEL) as u64);
                // Short literals (module names) fold even when starved.
                if len > MAX_VALUE_BYTES || (self.starved() && len > 256) {
                    Value::Unknown
                } else {
                    Value::Str(s.value.to_str().to_string())
                }
            }
            Expr::BytesLiteral(b) => {
                let len = b.value.len();
                self.fuel = self.fuel.saturating_sub((len / BYTES_PER_FUEL) as u64);
                if len > MAX_VALUE_BYTES || (self.starved() && len > 256) {
                    Value::Unknown
                } else {
                    Value::Bytes(b.value.bytes().collect())
                }
            }
            Expr::NumberLiteral(n) => match &n.value {
                Number::Int(i) => i.as_i64().map_or(Value::Unknown, Value::Int),
                _ => Value::Unknown,
            },
            Expr::FString(f) => self.eval_fstring(f, d),
            Expr::Name(n) => self.lookup(n.id.as_str()),
            Expr::Attribute(a) => {
                let obj = self.eval(&a.value, d);
                member(obj, a.attr.as_str())
            }
            Expr::Subscript(s) => self.eval_subscript(s, d),
            Expr::BinOp(b) => self.eval_binop(b, d),
            Expr::Call(c) => self.eval_call(c, d),
            Expr::List(l) => self.eval_list(&l.elts, d),
            Expr::Tuple(t) => self.eval_list(&t.elts, d),
            Expr::UnaryOp(u) if u.op == ast::UnaryOp::USub => match self.eval(&u.operand, d) {
                Value::Int(n) => n.checked_neg().map_or(Value::Unknown, Value::Int),
                _ => Value::Unknown,
            },
            Expr::Named(n) => self.eval(&n.value, d),
            Expr::Await(a) => self.eval(&a.value, d),
            Expr::Generator(g) => self.eval_comprehension(&g.elt, &g.generators, d),
            Expr::ListComp(g) => self.eval_comprehension(&g.elt, &g.generators, d),
            _ => Value::Unknown,
        };
        if v.size() > MAX_VALUE_BYTES {
            return Value::Unknown;
        }
        v
    }

    fn eval_list(&mut self, elts: &[Expr], depth: u32) -> Value {
        if elts.len() > MAX_LIST || self.starved() {
            return Value::Unknown;
        }
        let mut out = Vec::with_capacity(elts.len());
        let mut size = 0usize;
        for e in elts {
            let v = self.eval(e, depth);
            if !matches!(v, Value::Str(_) | Value::Bytes(_) | Value::Int(_)) {
                return Value::Unknown;
            }
            size += v.size();
            if size > MAX_VALUE_BYTES {
                return Value::Unknown;
            }
            out.push(v);
        }
        Value::List(out)
    }

    /// `chr(c) for c in [...]` (and `[chr(c) for c in ...]`): the one comprehension shape
    /// evasions use to build strings from code points.
    fn eval_comprehension(&mut self, elt: &Expr, gens: &[ast::Comprehension], depth: u32) -> Value {
        let [g] = gens else {
            return Value::Unknown;
        };
        let (Expr::Name(target), Expr::Call(call)) = (&g.target, elt) else {
            return Value::Unknown;
        };
        if !g.ifs.is_empty() || call.arguments.args.len() != 1 {
            return Value::Unknown;
        }
        let Expr::Name(arg) = &call.arguments.args[0] else {
            return Value::Unknown;
        };
        if arg.id != target.id {
            return Value::Unknown;
        }
        let f = self.eval(&call.func, depth);
        let Value::List(items) = self.iterable(&g.iter, depth) else {
            return Value::Unknown;
        };
        map_builtin(&f, items)
    }

    /// The elements of an iterable constant: lists, strings (characters), bytes (ints).
    fn iterable(&mut self, e: &Expr, depth: u32) -> Value {
        match self.eval(e, depth) {
            Value::List(l) => Value::List(l),
            Value::Str(s) => Value::List(s.chars().map(|c| Value::Str(c.to_string())).collect()),
            Value::Bytes(b) => {
                Value::List(b.into_iter().map(|x| Value::Int(i64::from(x))).collect())
            }
            _ => Value::Unknown,
        }
    }

    fn eval_fstring(&mut self, f: &ast::ExprFString, depth: u32) -> Value {
        if self.starved() {
            return Value::Unknown;
        }
        let mut out = String::new();
        for part in f.value.iter() {
            match part {
                ast::FStringPart::Literal(l) => out.push_str(&l.value),
                ast::FStringPart::FString(fs) => {
                    for el in fs.elements.iter() {
                        match el {
                            InterpolatedStringElement::Literal(l) => out.push_str(&l.value),
                            InterpolatedStringElement::Interpolation(i) => {
                                if i.format_spec.is_some()
                                    || i.debug_text.is_some()
                                    || !matches!(
                                        i.conversion,
                                        ConversionFlag::None | ConversionFlag::Str
                                    )
                                {
                                    return Value::Unknown;
                                }
                                match self.eval(&i.expression, depth) {
                                    Value::Str(s) => out.push_str(&s),
                                    Value::Int(n) => out.push_str(&n.to_string()),
                                    _ => return Value::Unknown,
                                }
                            }
                        }
                        if out.len() > MAX_VALUE_BYTES {
                            return Value::Unknown;
                        }
                    }
                }
            }
        }
        Value::Str(out)
    }

    /// `a + b + c + ...` flattened iteratively; `s * n`; `Path / 'x'`.
    pub fn eval_binop(&mut self, b: &ast::ExprBinOp, depth: u32) -> Value {
        match b.op {
            Operator::Add => {}
            Operator::Mult => {
                let (l, r) = (self.eval(&b.left, depth), self.eval(&b.right, depth));
                return repeat(l, r);
            }
            Operator::Div => {
                return match self.eval(&b.left, depth) {
                    Value::Ref(p) if p == "pathlib.Path" => Value::Ref(p),
                    _ => Value::Unknown,
                };
            }
            _ => return Value::Unknown,
        }
        let mut rights: Vec<&Expr> = vec![&b.right];
        let mut cur: &Expr = &b.left;
        while let Expr::BinOp(inner) = cur {
            if inner.op != Operator::Add {
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
                (Value::Int(a), Value::Int(x)) => {
                    a.checked_add(x).map_or(Value::Unknown, Value::Int)
                }
                (Value::Str(mut a), Value::Str(x)) => {
                    a.push_str(&x);
                    Value::Str(a)
                }
                (Value::Bytes(mut a), Value::Bytes(x)) => {
                    a.extend_from_slice(&x);
                    Value::Bytes(a)
                }
                (Value::List(mut a), Value::List(x)) => {
                    a.extend(x);
                    Value::List(a)
                }
                _ => return Value::Unknown,
            };
            if acc.size() > MAX_VALUE_BYTES {
                return Value::Unknown;
            }
            self.charge(&acc);
        }
        acc
    }

    fn eval_subscript(&mut self, s: &ast::ExprSubscript, depth: u32) -> Value {
        let obj = self.eval(&s.value, depth);
        if matches!(obj, Value::Unknown) {
            return Value::Unknown;
        }
        if let Expr::Slice(sl) = &*s.slice {
            let mut bound = |e: &Option<Box<Expr>>| -> Result<Option<i64>, ()> {
                match e {
                    None => Ok(None),
                    Some(x) => match self.eval(x, depth) {
                        Value::Int(n) => Ok(Some(n)),
                        _ => Err(()),
                    },
                }
            };
            let (Ok(lo), Ok(hi), Ok(step)) = (bound(&sl.lower), bound(&sl.upper), bound(&sl.step))
            else {
                return Value::Unknown;
            };
            return slice(obj, lo, hi, step.unwrap_or(1));
        }
        let key = self.eval(&s.slice, depth);
        match (obj, key) {
            (Value::Namespace, Value::Str(k)) => self.lookup_global(&k),
            (Value::Ref(p), Value::Str(k)) => {
                if p == "builtins" {
                    Value::Ref(format!("builtins.{k}"))
                } else if p == "sys.modules" {
                    Value::Ref(k)
                } else if let Some(base) = p.strip_suffix(".__dict__") {
                    member(Value::Ref(base.to_string()), &k)
                } else {
                    Value::Unknown
                }
            }
            (Value::Str(s), Value::Int(i)) => index(s.chars().count(), i)
                .and_then(|i| s.chars().nth(i))
                .map_or(Value::Unknown, |c| Value::Str(c.to_string())),
            (Value::List(l), Value::Int(i)) => index(l.len(), i)
                .and_then(|i| l.into_iter().nth(i))
                .unwrap_or(Value::Unknown),
            _ => Value::Unknown,
        }
    }

    pub fn eval_call(&mut self, call: &ast::ExprCall, depth: u32) -> Value {
        if !self.step(depth) {
            return Value::Unknown;
        }
        let args = &call.arguments.args;
        // Methods on constant data: `'x'.join(..)`, `b'..'.decode()`.
        if let Expr::Attribute(a) = &*call.func {
            let recv = self.eval(&a.value, depth);
            if matches!(recv, Value::Str(_) | Value::Bytes(_) | Value::List(_)) {
                if self.starved() {
                    return Value::Unknown;
                }
                return self.eval_method(recv, a.attr.as_str(), args, depth);
            }
            return self.call_ref(member(recv, a.attr.as_str()), call, depth);
        }
        let f = self.eval(&call.func, depth);
        self.call_ref(f, call, depth)
    }

    fn call_ref(&mut self, f: Value, call: &ast::ExprCall, depth: u32) -> Value {
        let Value::Ref(path) = f else {
            return Value::Unknown;
        };
        let args = &call.arguments.args;
        match path.as_str() {
            "builtins.__import__" => match self.arg_str(args, 0, depth) {
                Some(name) => {
                    // `__import__('a.b')` returns `a`, unless a fromlist asks for `a.b`.
                    let fromlist = args.len() > 3
                        || call
                            .arguments
                            .keywords
                            .iter()
                            .any(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "fromlist"));
                    let top = name.split('.').next().unwrap_or(&name);
                    Value::Ref(if fromlist {
                        name.clone()
                    } else {
                        top.to_string()
                    })
                }
                None => Value::Unknown,
            },
            "importlib.import_module" | "importlib.__import__" => {
                match self.arg_str(args, 0, depth) {
                    Some(name) if !name.starts_with('.') => Value::Ref(name),
                    _ => Value::Unknown,
                }
            }
            "builtins.getattr" => {
                let obj = self.arg_val(args, 0, depth);
                match self.arg_str(args, 1, depth) {
                    Some(name) => member(obj, &name),
                    None => Value::Unknown,
                }
            }
            "builtins.globals" | "builtins.locals" => Value::Namespace,
            "builtins.vars" => match self.arg_val(args, 0, depth) {
                Value::Ref(p) => Value::Ref(format!("{p}.__dict__")),
                _ if args.is_empty() => Value::Namespace,
                _ => Value::Unknown,
            },
            _ if self.starved() => Value::Unknown,
            "builtins.chr" | "builtins.unichr" => match self.arg_val(args, 0, depth) {
                Value::Int(n) => chr(n),
                _ => Value::Unknown,
            },
            "builtins.str" => match (self.arg_val(args, 0, depth), self.arg_str(args, 1, depth)) {
                (Value::Str(s), None) => Value::Str(s),
                (Value::Int(n), None) => Value::Str(n.to_string()),
                (Value::Bytes(b), Some(enc)) => decode_bytes(&b, &enc),
                _ => Value::Unknown,
            },
            "builtins.bytes" | "builtins.bytearray" => {
                match (self.arg_val(args, 0, depth), self.arg_str(args, 1, depth)) {
                    (Value::Str(s), Some(enc)) => encode_str(&s, &enc),
                    (Value::Bytes(b), None) => Value::Bytes(b),
                    (Value::List(l), None) => list_to_bytes(&l),
                    _ => Value::Unknown,
                }
            }
            "builtins.bytes.fromhex"
            | "builtins.bytearray.fromhex"
            | "binascii.unhexlify"
            | "binascii.a2b_hex"
            | "base64.b16decode" => match self.arg_val(args, 0, depth) {
                Value::Str(s) => from_hex(&s),
                Value::Bytes(b) => from_hex(&String::from_utf8_lossy(&b)),
                _ => Value::Unknown,
            },
            "base64.b64decode"
            | "base64.standard_b64decode"
            | "base64.urlsafe_b64decode"
            | "base64.decodebytes"
            | "base64.decodestring"
            | "binascii.a2b_base64" => match self.arg_val(args, 0, depth) {
                Value::Str(s) => decode_base64(&s).map_or(Value::Unknown, Value::Bytes),
                Value::Bytes(b) => {
                    decode_base64(&String::from_utf8_lossy(&b)).map_or(Value::Unknown, Value::Bytes)
                }
                _ => Value::Unknown,
            },
            "zlib.decompress" => match self.arg_val(args, 0, depth) {
                Value::Bytes(b) => inflate(&b, Codec::Zlib),
                _ => Value::Unknown,
            },
            "gzip.decompress" => match self.arg_val(args, 0, depth) {
                Value::Bytes(b) => inflate(&b, Codec::Gzip),
                _ => Value::Unknown,
            },
            "codecs.decode" | "codecs.encode" => {
                let data = self.arg_val(args, 0, depth);
                match self.arg_str(args, 1, depth) {
                    Some(enc) => codec(data, &enc),
                    None => match data {
                        Value::Bytes(b) => decode_bytes(&b, "utf-8"),
                        _ => Value::Unknown,
                    },
                }
            }
            "builtins.map" => {
                let f = self.arg_val(args, 0, depth);
                let items = match args.get(1) {
                    Some(e) => self.iterable(e, depth),
                    None => Value::Unknown,
                };
                match items {
                    Value::List(l) => map_builtin(&f, l),
                    _ => Value::Unknown,
                }
            }
            "builtins.reversed" | "builtins.list" | "builtins.tuple" => match args.first() {
                Some(e) => match self.iterable(e, depth) {
                    Value::List(mut l) => {
                        if path == "builtins.reversed" {
                            l.reverse();
                        }
                        Value::List(l)
                    }
                    _ => Value::Unknown,
                },
                None => Value::Unknown,
            },
            "pathlib.Path.home"
            | "pathlib.Path.cwd"
            | "pathlib.Path.resolve"
            | "pathlib.Path.absolute"
            | "pathlib.Path.expanduser"
            | "pathlib.Path.joinpath"
            | "pathlib.Path.with_name"
            | "pathlib.Path.with_suffix" => Value::Ref("pathlib.Path".to_string()),
            _ => {
                // Instances of classes keep the class path, so methods of a socket, a
                // `Popen` or an HTTP session resolve.
                let last = path.rsplit('.').next().unwrap_or(&path);
                let class = last.starts_with(|c: char| c.is_ascii_uppercase())
                    || matches!(
                        path.as_str(),
                        "socket.socket" | "socket.create_connection" | "requests.session"
                    );
                if class && !path.starts_with("builtins.") {
                    Value::Ref(path)
                } else {
                    Value::Unknown
                }
            }
        }
    }

    pub fn arg_str(&mut self, args: &[Expr], i: usize, depth: u32) -> Option<String> {
        let a = args.get(i)?;
        if matches!(a, Expr::Starred(_)) {
            return None;
        }
        self.fold_str(a, depth)
    }

    fn arg_val(&mut self, args: &[Expr], i: usize, depth: u32) -> Value {
        match args.get(i) {
            Some(Expr::Starred(_)) | None => Value::Unknown,
            Some(a) => self.eval(a, depth),
        }
    }

    fn eval_method(&mut self, recv: Value, name: &str, args: &[Expr], depth: u32) -> Value {
        match (recv, name) {
            (Value::Str(sep), "join") => match args.first() {
                Some(e) => match self.iterable(e, depth) {
                    Value::List(items) => join_str(&sep, &items),
                    _ => Value::Unknown,
                },
                None => Value::Unknown,
            },
            (Value::Bytes(sep), "join") => match self.arg_val(args, 0, depth) {
                Value::List(items) => {
                    let mut out = Vec::new();
                    for (i, it) in items.iter().enumerate() {
                        if i > 0 {
                            out.extend_from_slice(&sep);
                        }
                        let Value::Bytes(b) = it else {
                            return Value::Unknown;
                        };
                        out.extend_from_slice(b);
                        if out.len() > MAX_VALUE_BYTES {
                            return Value::Unknown;
                        }
                    }
                    Value::Bytes(out)
                }
                _ => Value::Unknown,
            },
            (Value::Str(s), "encode") => {
                let enc = self
                    .arg_str(args, 0, depth)
                    .unwrap_or_else(|| "utf-8".to_string());
                encode_str(&s, &enc)
            }
            // Python 2: `'...'.decode('base64')`, `.decode('hex')`, `.decode('rot13')`.
            (Value::Str(s), "decode") => match self.arg_str(args, 0, depth) {
                Some(enc) => codec(Value::Str(s), &enc),
                None => Value::Str(s),
            },
            (Value::Bytes(b), "decode") => {
                let enc = self
                    .arg_str(args, 0, depth)
                    .unwrap_or_else(|| "utf-8".to_string());
                decode_bytes(&b, &enc)
            }
            (Value::Str(s), "lower" | "casefold") => Value::Str(s.to_lowercase()),
            (Value::Str(s), "upper") => Value::Str(s.to_uppercase()),
            (Value::Str(s), "swapcase") => Value::Str(
                s.chars()
                    .map(|c| {
                        if c.is_lowercase() {
                            c.to_uppercase().next().unwrap_or(c)
                        } else {
                            c.to_lowercase().next().unwrap_or(c)
                        }
                    })
                    .collect(),
            ),
            (Value::Str(s), "strip") if args.is_empty() => Value::Str(s.trim().to_string()),
            (Value::Str(s), "lstrip") if args.is_empty() => Value::Str(s.trim_start().to_string()),
            (Value::Str(s), "rstrip") if args.is_empty() => Value::Str(s.trim_end().to_string()),
            (Value::Str(s), "removeprefix") => match self.arg_str(args, 0, depth) {
                Some(p) => Value::Str(s.strip_prefix(p.as_str()).unwrap_or(&s).to_string()),
                None => Value::Unknown,
            },
            (Value::Str(s), "removesuffix") => match self.arg_str(args, 0, depth) {
                Some(p) => Value::Str(s.strip_suffix(p.as_str()).unwrap_or(&s).to_string()),
                None => Value::Unknown,
            },
            (Value::Str(s), "replace") => {
                let (Some(from), Some(to)) =
                    (self.arg_str(args, 0, depth), self.arg_str(args, 1, depth))
                else {
                    return Value::Unknown;
                };
                if from.is_empty() || args.len() > 2 {
                    return Value::Unknown;
                }
                let out = s.replace(&from, &to);
                if out.len() > MAX_VALUE_BYTES {
                    return Value::Unknown;
                }
                Value::Str(out)
            }
            (Value::Str(s), "split") => match args.first() {
                None => Value::List(
                    s.split_whitespace()
                        .map(|p| Value::Str(p.to_string()))
                        .collect(),
                ),
                Some(_) => match self.arg_str(args, 0, depth) {
                    Some(sep) if !sep.is_empty() && args.len() == 1 => Value::List(
                        s.split(sep.as_str())
                            .map(|p| Value::Str(p.to_string()))
                            .collect(),
                    ),
                    _ => Value::Unknown,
                },
            },
            _ => Value::Unknown,
        }
    }
}

/// A builtin name, when the name is not bound anywhere in sight.
fn builtin(name: &str) -> Value {
    if name == "__builtins__" {
        Value::Ref("builtins".to_string())
    } else if TRACKED_BUILTINS.contains(&name) {
        Value::Ref(format!("builtins.{name}"))
    } else {
        Value::Unknown
    }
}

/// `from m import *` makes `name` a member of `m` when the table knows that member.
fn star_member(star: &[String], name: &str) -> Option<Value> {
    star.iter().rev().find_map(|m| {
        let path = format!("{m}.{name}");
        capability_of(&path).map(|_| Value::Ref(path))
    })
}

/// `obj.attr` over abstract values.
pub fn member(obj: Value, attr: &str) -> Value {
    match obj {
        Value::Ref(p) => {
            if p == "builtins" {
                return Value::Ref(format!("builtins.{attr}"));
            }
            if p.split('.').count() >= MAX_PATH_SEGMENTS {
                return Value::Unknown;
            }
            Value::Ref(format!("{p}.{attr}"))
        }
        _ => Value::Unknown,
    }
}

fn value_str(v: Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s),
        Value::Int(n) => Some(n.to_string()),
        Value::Bytes(b) => String::from_utf8(b).ok(),
        _ => None,
    }
}

fn index(len: usize, i: i64) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let i = if i < 0 { len + i } else { i };
    (0..len)
        .contains(&i)
        .then(|| usize::try_from(i).ok())
        .flatten()
}

/// Python slicing of strings, bytes and lists (any step but 0).
fn slice(obj: Value, lo: Option<i64>, hi: Option<i64>, step: i64) -> Value {
    fn pick<T: Clone>(items: &[T], lo: Option<i64>, hi: Option<i64>, step: i64) -> Option<Vec<T>> {
        if step == 0 {
            return None;
        }
        let len = i64::try_from(items.len()).ok()?;
        let norm = |x: i64, lo_b: i64, hi_b: i64| {
            if x < 0 {
                (x + len).max(lo_b)
            } else {
                x.min(hi_b)
            }
        };
        let mut out = Vec::new();
        if step > 0 {
            let start = lo.map_or(0, |x| norm(x, 0, len));
            let end = hi.map_or(len, |x| norm(x, 0, len));
            let mut i = start;
            while i < end {
                out.push(items[usize::try_from(i).ok()?].clone());
                i += step;
            }
        } else {
            let start = lo.map_or(len - 1, |x| norm(x, -1, len - 1));
            let end = hi.map_or(-1, |x| norm(x, -1, len - 1));
            let mut i = start;
            while i > end {
                out.push(items[usize::try_from(i).ok()?].clone());
                i = i.checked_add(step)?;
            }
        }
        Some(out)
    }
    match obj {
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            pick(&chars, lo, hi, step)
                .map_or(Value::Unknown, |c| Value::Str(c.into_iter().collect()))
        }
        Value::Bytes(b) => pick(&b, lo, hi, step).map_or(Value::Unknown, Value::Bytes),
        Value::List(l) => pick(&l, lo, hi, step).map_or(Value::Unknown, Value::List),
        _ => Value::Unknown,
    }
}

fn repeat(l: Value, r: Value) -> Value {
    let (v, n) = match (l, r) {
        (Value::Int(n), v) | (v, Value::Int(n)) => (v, n),
        _ => return Value::Unknown,
    };
    let Ok(n) = usize::try_from(n.max(0)) else {
        return Value::Unknown;
    };
    if v.size().saturating_mul(n) > MAX_VALUE_BYTES {
        return Value::Unknown;
    }
    match v {
        Value::Str(s) => Value::Str(s.repeat(n)),
        Value::Bytes(b) => Value::Bytes(b.repeat(n)),
        _ => Value::Unknown,
    }
}

fn chr(n: i64) -> Value {
    u32::try_from(n)
        .ok()
        .and_then(char::from_u32)
        .map_or(Value::Unknown, |c| Value::Str(c.to_string()))
}

fn map_builtin(f: &Value, items: Vec<Value>) -> Value {
    match f {
        Value::Ref(p) if p == "builtins.chr" || p == "builtins.unichr" => {
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                let Value::Int(n) = it else {
                    return Value::Unknown;
                };
                out.push(chr(n));
            }
            if out.iter().any(|v| matches!(v, Value::Unknown)) {
                return Value::Unknown;
            }
            Value::List(out)
        }
        Value::Ref(p) if p == "builtins.str" => Value::List(
            items
                .into_iter()
                .map(|v| match v {
                    Value::Int(n) => Value::Str(n.to_string()),
                    other => other,
                })
                .collect(),
        ),
        _ => Value::Unknown,
    }
}

fn join_str(sep: &str, items: &[Value]) -> Value {
    let mut out = String::new();
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        let Value::Str(s) = it else {
            return Value::Unknown;
        };
        out.push_str(s);
        if out.len() > MAX_VALUE_BYTES {
            return Value::Unknown;
        }
    }
    Value::Str(out)
}

fn list_to_bytes(l: &[Value]) -> Value {
    let mut out = Vec::with_capacity(l.len());
    for v in l {
        match v {
            Value::Int(n) => match u8::try_from(*n) {
                Ok(b) => out.push(b),
                Err(_) => return Value::Unknown,
            },
            _ => return Value::Unknown,
        }
    }
    Value::Bytes(out)
}

fn norm_encoding(enc: &str) -> String {
    enc.trim().to_ascii_lowercase().replace(['-', ' '], "_")
}

fn encode_str(s: &str, enc: &str) -> Value {
    match norm_encoding(enc).as_str() {
        "utf_8" | "utf8" | "ascii" => Value::Bytes(s.as_bytes().to_vec()),
        "latin_1" | "latin1" | "iso_8859_1" => {
            let mut out = Vec::with_capacity(s.len());
            for c in s.chars() {
                match u8::try_from(u32::from(c)) {
                    Ok(b) => out.push(b),
                    Err(_) => return Value::Unknown,
                }
            }
            Value::Bytes(out)
        }
        _ => codec(Value::Str(s.to_string()), enc),
    }
}

fn decode_bytes(b: &[u8], enc: &str) -> Value {
    match norm_encoding(enc).as_str() {
        "utf_8" | "utf8" | "ascii" => Value::Str(String::from_utf8_lossy(b).into_owned()),
        "latin_1" | "latin1" | "iso_8859_1" => {
            Value::Str(b.iter().map(|&c| char::from(c)).collect())
        }
        _ => codec(Value::Bytes(b.to_vec()), enc),
    }
}

/// `codecs.decode(x, name)` for the codecs evasions use.
fn codec(data: Value, enc: &str) -> Value {
    let text = |v: &Value| match v {
        Value::Str(s) => Some(s.clone()),
        Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    };
    match norm_encoding(enc).as_str() {
        "rot13" | "rot_13" => match data {
            Value::Str(s) => Value::Str(rot13(&s)),
            _ => Value::Unknown,
        },
        "hex" | "hex_codec" => text(&data).map_or(Value::Unknown, |s| from_hex(&s)),
        "base64" | "base64_codec" | "base_64" => text(&data)
            .and_then(|s| decode_base64(&s))
            .map_or(Value::Unknown, Value::Bytes),
        "zlib" | "zlib_codec" | "zip" => match data {
            Value::Bytes(b) => inflate(&b, Codec::Zlib),
            _ => Value::Unknown,
        },
        "utf_8" | "utf8" | "ascii" | "latin_1" | "latin1" => match data {
            Value::Bytes(b) => decode_bytes(&b, enc),
            Value::Str(s) => Value::Bytes(s.into_bytes()),
            _ => Value::Unknown,
        },
        _ => Value::Unknown,
    }
}

fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => char::from(b'a' + (c as u8 - b'a' + 13) % 26),
            'A'..='Z' => char::from(b'A' + (c as u8 - b'A' + 13) % 26),
            _ => c,
        })
        .collect()
}

fn from_hex(s: &str) -> Value {
    let clean: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    hex::decode(clean).map_or(Value::Unknown, Value::Bytes)
}

/// Lenient base64 as Python's `b64decode` is by default: non-alphabet characters dropped,
/// padding optional; the URL-safe alphabet too.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let clean: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_'))
        .collect();
    STANDARD_NO_PAD
        .decode(&clean)
        .or_else(|_| URL_SAFE_NO_PAD.decode(&clean))
        .ok()
}

#[derive(Clone, Copy)]
enum Codec {
    Zlib,
    Gzip,
}

/// Decompress with the output capped at [`MAX_VALUE_BYTES`]: a decompression bomb becomes
/// unknown, never a gigabyte allocation.
fn inflate(b: &[u8], codec: Codec) -> Value {
    let cap = MAX_VALUE_BYTES as u64 + 1;
    let mut out = Vec::new();
    let res = match codec {
        Codec::Zlib => flate2::read::ZlibDecoder::new(b)
            .take(cap)
            .read_to_end(&mut out),
        Codec::Gzip => flate2::read::GzDecoder::new(b)
            .take(cap)
            .read_to_end(&mut out),
    };
    if res.is_err() || out.len() > MAX_VALUE_BYTES {
        return Value::Unknown;
    }
    Value::Bytes(out)
}

/// Every name a body binds (not descending into nested function/class bodies, whose own
/// names are theirs), and the names it declares `global`/`nonlocal`. Iterative: statement
/// nesting is bounded by indentation, not by a stack.
fn bound_names(body: &[Stmt], params: &[&str]) -> (HashSet<String>, HashSet<String>) {
    let mut bound: HashSet<String> = params.iter().map(|p| (*p).to_string()).collect();
    let mut globals = HashSet::new();
    let mut stack: Vec<&Stmt> = body.iter().rev().collect();
    let mut targets: Vec<&Expr> = Vec::new();
    while let Some(s) = stack.pop() {
        match s {
            Stmt::FunctionDef(f) => {
                bound.insert(f.name.id.to_string());
            }
            Stmt::ClassDef(c) => {
                bound.insert(c.name.id.to_string());
            }
            Stmt::Import(i) => {
                for a in &i.names {
                    let name = a.asname.as_ref().map_or_else(
                        || a.name.id.split('.').next().unwrap_or("").to_string(),
                        |n| n.id.to_string(),
                    );
                    bound.insert(name);
                }
            }
            Stmt::ImportFrom(i) => {
                for a in &i.names {
                    let n = a.asname.as_ref().unwrap_or(&a.name);
                    if n.id.as_str() != "*" {
                        bound.insert(n.id.to_string());
                    }
                }
            }
            Stmt::Assign(a) => targets.extend(a.targets.iter()),
            Stmt::AugAssign(a) => targets.push(&a.target),
            Stmt::AnnAssign(a) => targets.push(&a.target),
            Stmt::For(f) => {
                targets.push(&f.target);
                stack.extend(f.body.iter().rev());
                stack.extend(f.orelse.iter().rev());
            }
            Stmt::While(w) => {
                stack.extend(w.body.iter().rev());
                stack.extend(w.orelse.iter().rev());
            }
            Stmt::If(i) => {
                stack.extend(i.body.iter().rev());
                for c in &i.elif_else_clauses {
                    stack.extend(c.body.iter().rev());
                }
            }
            Stmt::With(w) => {
                for item in &w.items {
                    if let Some(v) = &item.optional_vars {
                        targets.push(v);
                    }
                }
                stack.extend(w.body.iter().rev());
            }
            Stmt::Try(t) => {
                stack.extend(t.body.iter().rev());
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    if let Some(n) = &h.name {
                        bound.insert(n.id.to_string());
                    }
                    stack.extend(h.body.iter().rev());
                }
                stack.extend(t.orelse.iter().rev());
                stack.extend(t.finalbody.iter().rev());
            }
            Stmt::Match(m) => {
                for c in &m.cases {
                    stack.extend(c.body.iter().rev());
                }
            }
            Stmt::Global(g) => globals.extend(g.names.iter().map(|n| n.id.to_string())),
            Stmt::Nonlocal(g) => globals.extend(g.names.iter().map(|n| n.id.to_string())),
            _ => {}
        }
        while let Some(t) = targets.pop() {
            match t {
                Expr::Name(n) => {
                    bound.insert(n.id.to_string());
                }
                Expr::Tuple(t) => targets.extend(t.elts.iter()),
                Expr::List(l) => targets.extend(l.elts.iter()),
                Expr::Starred(s) => targets.push(&s.value),
                _ => {}
            }
        }
    }
    for g in &globals {
        bound.remove(g);
    }
    (bound, globals)
}

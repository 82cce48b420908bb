//! Velocity's syntax as API Gateway's mapping templates use it, read into a tree: text, references
//! (`$a.b[0].c('x')`, `$!a`, `${a.b}`), the directives `#set`, `#if`/`#elseif`/`#else`/`#end`,
//! `#foreach`, `#break`, `#stop`, comments (`##`, `#* *#`) and unparsed blocks (`#[[ ]]#`).
//!
//! Whitespace is gobbled as Velocity 1.7 does: a directive followed by nothing but spaces up to the
//! end of its line takes that line's end with it; `#set` also takes the spaces before it; a `##`
//! comment takes its line's end.

/// A parsed template.
pub type Block = Vec<Node>;

#[derive(Debug, Clone)]
pub enum Node {
    Text(String),
    Ref(Reference),
    Set(Reference, Expr),
    /// `#if` / `#elseif` branches in order, then `#else`.
    If(Vec<(Expr, Block)>, Option<Block>),
    Foreach(String, Expr, Block),
    Break,
    Stop,
}

#[derive(Debug, Clone)]
pub struct Reference {
    pub root: String,
    pub chain: Vec<Access>,
    /// The reference as written, for messages.
    pub text: String,
}

#[derive(Debug, Clone)]
pub enum Access {
    Property(String),
    Index(Expr),
    Call(String, Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Debug, Clone)]
pub enum Expr {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A single-quoted string: taken as written.
    Str(String),
    /// A double-quoted string: a template of its own.
    Interpolated(Block),
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Range(Box<Expr>, Box<Expr>),
    Ref(Reference),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

/// Parses a whole template; the error says where and what.
pub fn parse(template: &str) -> Result<Block, String> {
    let mut p = Parser {
        s: template,
        pos: 0,
        depth: 0,
    };
    let (block, end) = p.block()?;
    match end {
        Closer::Eof => Ok(block),
        Closer::Else | Closer::ElseIf(_) | Closer::End => {
            Err(p.error("#end, #else or #elseif without #if"))
        }
    }
}

/// What closed a block.
enum Closer {
    Eof,
    End,
    Else,
    ElseIf(Expr),
}

/// Deepest nesting of blocks and expressions accepted: deeper input is refused, not a stack overflow.
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    s: &'a str,
    pos: usize,
    depth: usize,
}

fn ident_start(c: char) -> bool {
    c.is_ascii_alphabetic()
}

fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn error(&self, what: &str) -> String {
        let line = self.s[..self.pos].matches('\n').count() + 1;
        format!("{what} (line {line})")
    }

    fn eat(&mut self, prefix: &str) -> bool {
        if self.rest().starts_with(prefix) {
            self.pos += prefix.len();
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.s.len() - trimmed.len();
    }

    fn deeper(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("the template nests too deeply"));
        }
        Ok(())
    }

    /// After a directive: spaces then a line end are gobbled with it.
    fn gobble_line_end(&mut self) {
        let r = self.rest();
        let spaces = r.len() - r.trim_start_matches([' ', '\t']).len();
        let after = &r[spaces..];
        if after.starts_with('\n') {
            self.pos += spaces + 1;
        } else if after.starts_with("\r\n") {
            self.pos += spaces + 2;
        }
    }

    /// Text and nodes up to the end of input or a closing directive.
    fn block(&mut self) -> Result<(Block, Closer), String> {
        self.deeper()?;
        let mut out: Block = Vec::new();
        let mut text = String::new();
        let flush = |text: &mut String, out: &mut Block| {
            if !text.is_empty() {
                out.push(Node::Text(std::mem::take(text)));
            }
        };
        let end = loop {
            let r = self.rest();
            let Some(i) = r.find(['$', '#']) else {
                text.push_str(r);
                self.pos = self.s.len();
                break Closer::Eof;
            };
            text.push_str(&r[..i]);
            self.pos += i;
            if self.rest().starts_with('$') {
                match self.reference()? {
                    Some(reference) => {
                        flush(&mut text, &mut out);
                        out.push(Node::Ref(reference));
                    }
                    None => {
                        text.push('$');
                        self.pos += 1;
                    }
                }
                continue;
            }
            // '#'
            if self.eat("##") {
                let r = self.rest();
                self.pos += r.find('\n').map_or(r.len(), |n| n + 1);
                continue;
            }
            if self.eat("#*") {
                match self.rest().find("*#") {
                    Some(n) => self.pos += n + 2,
                    None => return Err(self.error("a #* comment is not closed with *#")),
                }
                continue;
            }
            if self.eat("#[[") {
                match self.rest().find("]]#") {
                    Some(n) => {
                        text.push_str(&self.rest()[..n]);
                        self.pos += n + 3;
                    }
                    None => return Err(self.error("a #[[ block is not closed with ]]#")),
                }
                continue;
            }
            let Some((name, len)) = self.directive_name() else {
                text.push('#');
                self.pos += 1;
                continue;
            };
            match name {
                "set" => {
                    // `#set` takes the spaces before it.
                    let kept = text.trim_end_matches([' ', '\t']).len();
                    text.truncate(kept);
                    flush(&mut text, &mut out);
                    self.pos += len;
                    let (target, value) = self.set_args()?;
                    self.gobble_line_end();
                    out.push(Node::Set(target, value));
                }
                "if" => {
                    flush(&mut text, &mut out);
                    self.pos += len;
                    let cond = self.condition()?;
                    self.gobble_line_end();
                    out.push(self.if_rest(cond)?);
                }
                "foreach" => {
                    flush(&mut text, &mut out);
                    self.pos += len;
                    out.push(self.foreach()?);
                }
                "elseif" => {
                    flush(&mut text, &mut out);
                    self.pos += len;
                    let cond = self.condition()?;
                    self.gobble_line_end();
                    break Closer::ElseIf(cond);
                }
                "else" => {
                    flush(&mut text, &mut out);
                    self.pos += len;
                    self.gobble_line_end();
                    break Closer::Else;
                }
                "end" => {
                    flush(&mut text, &mut out);
                    self.pos += len;
                    self.gobble_line_end();
                    break Closer::End;
                }
                "break" | "stop" => {
                    flush(&mut text, &mut out);
                    self.pos += len;
                    self.gobble_line_end();
                    out.push(if name == "break" {
                        Node::Break
                    } else {
                        Node::Stop
                    });
                }
                other => {
                    return Err(self.error(&format!(
                        "the directive #{other} is not available in API Gateway mapping templates"
                    )));
                }
            }
        };
        flush(&mut text, &mut out);
        self.depth -= 1;
        Ok((out, end))
    }

    /// The directive at `#` (`#name` or `#{name}`), with the length of its name part; `None` when
    /// it is not one (the `#` is text).
    fn directive_name(&self) -> Option<(&'static str, usize)> {
        const NAMES: [&str; 13] = [
            "set", "if", "elseif", "else", "end", "foreach", "break", "stop", "macro", "parse",
            "include", "define", "evaluate",
        ];
        let r = &self.rest()[1..];
        if let Some(braced) = r.strip_prefix('{') {
            let close = braced.find('}')?;
            let name = NAMES.iter().find(|n| **n == &braced[..close])?;
            return Some((name, close + 3));
        }
        let len = r
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(r.len());
        let word = &r[..len];
        // `#elseif` is read before `#else`: only whole words count.
        let name = NAMES.iter().find(|n| **n == word)?;
        // `#end` glued to letters (`#endif`) is text; `#end` glued to digits too.
        if r[len..].starts_with(|c: char| c.is_ascii_digit() || c == '_') {
            return None;
        }
        Some((name, len + 1))
    }

    /// `( expr )` after `#if` / `#elseif`.
    fn condition(&mut self) -> Result<Expr, String> {
        self.skip_spaces();
        if !self.eat("(") {
            return Err(self.error("#if and #elseif take a condition in parentheses"));
        }
        let e = self.expr()?;
        self.skip_ws();
        if !self.eat(")") {
            return Err(self.error("the condition is not closed with )"));
        }
        Ok(e)
    }

    fn skip_spaces(&mut self) {
        let r = self.rest();
        self.pos += r.len() - r.trim_start_matches([' ', '\t']).len();
    }

    fn if_rest(&mut self, first: Expr) -> Result<Node, String> {
        let mut branches = Vec::new();
        let mut cond = first;
        loop {
            let (body, end) = self.block()?;
            match end {
                Closer::Eof => return Err(self.error("#if is not closed with #end")),
                Closer::End => {
                    branches.push((cond, body));
                    return Ok(Node::If(branches, None));
                }
                Closer::ElseIf(next) => {
                    branches.push((cond, body));
                    cond = next;
                }
                Closer::Else => {
                    branches.push((cond, body));
                    let (otherwise, end) = self.block()?;
                    return match end {
                        Closer::End => Ok(Node::If(branches, Some(otherwise))),
                        Closer::Eof => Err(self.error("#else is not closed with #end")),
                        Closer::Else | Closer::ElseIf(_) => {
                            Err(self.error("#else or #elseif after #else"))
                        }
                    };
                }
            }
        }
    }

    /// `($x in expr) body #end`.
    fn foreach(&mut self) -> Result<Node, String> {
        self.skip_spaces();
        if !self.eat("(") {
            return Err(self.error("#foreach takes ($item in list)"));
        }
        self.skip_ws();
        let var = match self.reference()? {
            Some(r) if r.chain.is_empty() => r.root,
            _ => return Err(self.error("#foreach takes ($item in list)")),
        };
        self.skip_ws();
        if !self.eat("in") {
            return Err(self.error("#foreach takes ($item in list)"));
        }
        let list = self.expr()?;
        self.skip_ws();
        if !self.eat(")") {
            return Err(self.error("#foreach is not closed with )"));
        }
        self.gobble_line_end();
        let (body, end) = self.block()?;
        match end {
            Closer::End => Ok(Node::Foreach(var, list, body)),
            Closer::Eof => Err(self.error("#foreach is not closed with #end")),
            Closer::Else | Closer::ElseIf(_) => Err(self.error("#else or #elseif inside #foreach")),
        }
    }

    /// `($ref = expr)` after `#set`.
    fn set_args(&mut self) -> Result<(Reference, Expr), String> {
        self.skip_spaces();
        if !self.eat("(") {
            return Err(self.error("#set takes ($name = value)"));
        }
        self.skip_ws();
        let Some(target) = self.reference()? else {
            return Err(self.error("#set takes ($name = value)"));
        };
        if matches!(target.chain.last(), Some(Access::Call(..))) {
            return Err(self.error("#set cannot assign to a method call"));
        }
        self.skip_ws();
        if !self.eat("=") {
            return Err(self.error("#set takes ($name = value)"));
        }
        let value = self.expr()?;
        self.skip_ws();
        if !self.eat(")") {
            return Err(self.error("#set is not closed with )"));
        }
        Ok((target, value))
    }

    fn ident(&mut self) -> Option<String> {
        let r = self.rest();
        if !r.starts_with(ident_start) {
            return None;
        }
        let mut len = r.find(|c: char| !ident_char(c)).unwrap_or(r.len());
        // A trailing '-' is text (`$a-` then something else).
        while r[..len].ends_with('-') {
            len -= 1;
        }
        self.pos += len;
        Some(r[..len].to_owned())
    }

    /// The reference at `$`; `None` (nothing consumed) when the `$` is text.
    fn reference(&mut self) -> Result<Option<Reference>, String> {
        let start = self.pos;
        if !self.rest().starts_with('$') {
            return Ok(None);
        }
        self.pos += 1;
        // `$!x` (quiet) renders as `$x` does: API Gateway renders a reference with no value as
        // nothing either way.
        self.eat("!");
        let braced = self.eat("{");
        let Some(root) = self.ident() else {
            self.pos = start;
            return Ok(None);
        };
        let mut chain = Vec::new();
        loop {
            let save = self.pos;
            if self.eat(".") {
                let Some(name) = self.ident() else {
                    self.pos = save;
                    break;
                };
                if self.eat("(") {
                    let args = self.args(")")?;
                    chain.push(Access::Call(name, args));
                } else {
                    chain.push(Access::Property(name));
                }
            } else if self.eat("[") {
                // `[` that does not open an index (`$a[b c]`) ends the reference: it is text.
                let depth = self.depth;
                let index = self.expr();
                self.depth = depth;
                self.skip_ws();
                match index {
                    Ok(index) if self.eat("]") => chain.push(Access::Index(index)),
                    _ => {
                        self.pos = save;
                        break;
                    }
                }
            } else {
                break;
            }
        }
        if braced && !self.eat("}") {
            // `${` without its `}` is text, as in Velocity.
            self.pos = start;
            return Ok(None);
        }
        Ok(Some(Reference {
            root,
            chain,
            text: self.s[start..self.pos].to_owned(),
        }))
    }

    /// Comma-separated expressions up to `close`.
    fn args(&mut self, close: &str) -> Result<Vec<Expr>, String> {
        self.deeper()?;
        let mut out = Vec::new();
        self.skip_ws();
        if self.eat(close) {
            self.depth -= 1;
            return Ok(out);
        }
        loop {
            out.push(self.expr()?);
            self.skip_ws();
            if self.eat(close) {
                break;
            }
            if !self.eat(",") {
                return Err(self.error(&format!("expected , or {close}")));
            }
        }
        self.depth -= 1;
        Ok(out)
    }

    fn expr(&mut self) -> Result<Expr, String> {
        self.deeper()?;
        let e = self.binary(0)?;
        self.depth -= 1;
        Ok(e)
    }

    /// The operator at the cursor of precedence level `level` (0 loosest), with its length.
    fn operator(&self, level: usize) -> Option<(BinOp, usize)> {
        let r = self.rest();
        let word = |w: &str| {
            r.starts_with(w) && !r[w.len()..].starts_with(|c: char| ident_char(c) || c == '.')
        };
        let table: &[(&str, BinOp, bool)] = match level {
            0 => &[("||", BinOp::Or, false), ("or", BinOp::Or, true)],
            1 => &[("&&", BinOp::And, false), ("and", BinOp::And, true)],
            2 => &[
                ("==", BinOp::Eq, false),
                ("!=", BinOp::Ne, false),
                ("eq", BinOp::Eq, true),
                ("ne", BinOp::Ne, true),
            ],
            3 => &[
                ("<=", BinOp::Le, false),
                (">=", BinOp::Ge, false),
                ("<", BinOp::Lt, false),
                (">", BinOp::Gt, false),
                ("le", BinOp::Le, true),
                ("ge", BinOp::Ge, true),
                ("lt", BinOp::Lt, true),
                ("gt", BinOp::Gt, true),
            ],
            4 => &[("+", BinOp::Add, false), ("-", BinOp::Sub, false)],
            _ => &[
                ("*", BinOp::Mul, false),
                ("/", BinOp::Div, false),
                ("%", BinOp::Rem, false),
            ],
        };
        table
            .iter()
            .find(|(t, _, is_word)| if *is_word { word(t) } else { r.starts_with(t) })
            .map(|(t, op, _)| (*op, t.len()))
    }

    fn binary(&mut self, level: usize) -> Result<Expr, String> {
        if level > 5 {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        loop {
            self.skip_ws();
            let Some((op, len)) = self.operator(level) else {
                return Ok(left);
            };
            self.pos += len;
            let right = self.binary(level + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Expr, String> {
        self.skip_ws();
        let r = self.rest();
        if r.starts_with('!') && !r.starts_with("!=") {
            self.pos += 1;
            self.deeper()?;
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(e)));
        }
        if r.starts_with("not") && !r[3..].starts_with(ident_char) {
            self.pos += 3;
            self.deeper()?;
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(e)));
        }
        if r.starts_with('-') && !r[1..].starts_with(|c: char| c.is_ascii_digit()) {
            self.pos += 1;
            self.deeper()?;
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Neg(Box::new(e)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, String> {
        self.skip_ws();
        let Some(c) = self.peek() else {
            return Err(self.error("an expression ends too early"));
        };
        match c {
            '$' => match self.reference()? {
                Some(r) => Ok(Expr::Ref(r)),
                None => Err(self.error("a $ that is not a reference in an expression")),
            },
            '\'' | '"' => self.string(c),
            '(' => {
                self.pos += 1;
                let e = self.expr()?;
                self.skip_ws();
                if !self.eat(")") {
                    return Err(self.error("a parenthesis is not closed"));
                }
                Ok(e)
            }
            '[' => {
                self.pos += 1;
                self.skip_ws();
                if self.eat("]") {
                    return Ok(Expr::List(Vec::new()));
                }
                let first = self.expr()?;
                self.skip_ws();
                if self.eat("..") {
                    let last = self.expr()?;
                    self.skip_ws();
                    if !self.eat("]") {
                        return Err(self.error("a range is not closed with ]"));
                    }
                    return Ok(Expr::Range(Box::new(first), Box::new(last)));
                }
                let mut items = vec![first];
                loop {
                    self.skip_ws();
                    if self.eat("]") {
                        return Ok(Expr::List(items));
                    }
                    if !self.eat(",") {
                        return Err(self.error("expected , or ] in a list"));
                    }
                    items.push(self.expr()?);
                }
            }
            '{' => {
                self.pos += 1;
                let mut entries = Vec::new();
                self.skip_ws();
                if self.eat("}") {
                    return Ok(Expr::Map(entries));
                }
                loop {
                    let k = self.expr()?;
                    self.skip_ws();
                    if !self.eat(":") {
                        return Err(self.error("expected : in a map"));
                    }
                    let v = self.expr()?;
                    entries.push((k, v));
                    self.skip_ws();
                    if self.eat("}") {
                        return Ok(Expr::Map(entries));
                    }
                    if !self.eat(",") {
                        return Err(self.error("expected , or } in a map"));
                    }
                }
            }
            c if c.is_ascii_digit() || c == '-' => self.number(),
            _ => {
                let r = self.rest();
                let len = r.find(|c: char| !ident_char(c)).unwrap_or(r.len());
                let word = &r[..len];
                let e = match word {
                    "true" => Expr::Bool(true),
                    "false" => Expr::Bool(false),
                    "null" => Expr::Null,
                    _ => {
                        let shown: String = r.chars().take(20).collect();
                        return Err(self.error(&format!("unexpected {shown:?} in an expression")));
                    }
                };
                self.pos += len;
                Ok(e)
            }
        }
    }

    fn number(&mut self) -> Result<Expr, String> {
        let r = self.rest();
        let mut len = usize::from(r.starts_with('-'));
        len += r[len..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(r.len() - len);
        // A fraction, but not a range's `..`.
        let fraction =
            r[len..].starts_with('.') && r[len + 1..].starts_with(|c: char| c.is_ascii_digit());
        if fraction {
            len += 1;
            len += r[len..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(r.len() - len);
        }
        let text = &r[..len];
        self.pos += len;
        if fraction {
            text.parse::<f64>()
                .map(Expr::Float)
                .map_err(|_| self.error("a malformed number"))
        } else {
            text.parse::<i64>()
                .map(Expr::Int)
                .map_err(|_| self.error("a number out of range"))
        }
    }

    /// A string literal: single quotes as written (`''` is one quote), double quotes interpolated.
    fn string(&mut self, quote: char) -> Result<Expr, String> {
        self.pos += 1;
        let mut raw = String::new();
        loop {
            let r = self.rest();
            let Some(i) = r.find(quote) else {
                return Err(self.error("a string is not closed"));
            };
            raw.push_str(&r[..i]);
            self.pos += i + 1;
            // A doubled quote is one quote inside the string.
            if self.rest().starts_with(quote) {
                raw.push(quote);
                self.pos += 1;
                continue;
            }
            break;
        }
        if quote == '\'' || !raw.contains(['$', '#']) {
            return Ok(Expr::Str(raw));
        }
        let mut inner = Parser {
            s: &raw,
            pos: 0,
            depth: self.depth,
        };
        let (block, end) = inner
            .block()
            .map_err(|e| self.error(&format!("in a string: {e}")))?;
        match end {
            Closer::Eof => Ok(Expr::Interpolated(block)),
            _ => Err(self.error("#end, #else or #elseif without #if in a string")),
        }
    }
}

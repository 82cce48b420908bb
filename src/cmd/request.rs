//! The request a command line describes (`[METHOD] PATH` or a saved request's name, `--query`,
//! `--header`, `--body`), shared by `lambdeck test` and `lambdeck request`; and `lambdeck request`
//! itself: the request sent to the stage, its answer and the Lambda log lines it caused.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use super::{CmdResult, Failure, Session, Status};
use crate::cli::{RequestArgs, RequestSpec};
use crate::config::StackSpec;
use crate::model::HttpRequest;
use crate::request::{self, LogWatch, RequestLog, StageResponse, body_from};
use crate::stack::load_stack;

/// The request the arguments describe; `default_method` when only a path is given. A single word
/// that is not a path names a saved request (`[requests.<name>]`), which the flags add to.
pub fn http_request(
    spec: &RequestSpec,
    default_method: &str,
    stack: &StackSpec,
) -> Result<HttpRequest, Failure> {
    let mut request = match spec.target.as_slice() {
        [name] if !name.starts_with('/') && !name.contains('/') => {
            if stack.requests.contains_key(name) {
                request::saved(stack, name).map_err(Failure::usage)?
            } else {
                return Err(Failure::usage(format!(
                    "{name:?} is neither a path (it must start with /) nor a saved request (saved: {})",
                    saved_names(stack)
                )));
            }
        }
        [path] => target(default_method, path)?,
        [method, path] => target(method, path)?,
        _ => return Err(Failure::usage("give the path, or the method then the path")),
    };
    for q in &spec.query {
        let (k, v) = q.split_once('=').unwrap_or((q.as_str(), ""));
        if k.is_empty() {
            return Err(Failure::usage(format!(
                "--query takes name=value (got {q:?})"
            )));
        }
        request.query.push((k.to_owned(), v.to_owned()));
    }
    for h in &spec.header {
        let header =
            request::parse_header(h).map_err(|e| Failure::usage(format!("--header: {e}")))?;
        request.headers.push(header);
    }
    let here = Path::new(".");
    match (&spec.body, &spec.body_file) {
        (Some(b), _) => request.body = Some(body_from(b, here).map_err(Failure::usage)?),
        (None, Some(file)) => {
            request.body = Some(std::fs::read_to_string(file).map_err(|e| {
                Failure::usage(format!("cannot read the body from {}: {e}", file.display()))
            })?);
        }
        (None, None) => {}
    }
    Ok(request)
}

fn saved_names(stack: &StackSpec) -> String {
    if stack.requests.is_empty() {
        "none".to_owned()
    } else {
        stack
            .requests
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `METHOD` and `PATH?query` as typed.
fn target(method: &str, target: &str) -> Result<HttpRequest, Failure> {
    let method = request::parse_method(method).map_err(Failure::usage)?;
    if !target.starts_with('/') {
        return Err(Failure::usage(format!(
            "the path must start with /, e.g. /hello_world (got {target:?})"
        )));
    }
    let (path, inline_query) = target.split_once('?').unwrap_or((target, ""));
    let mut request = HttpRequest::new(method, path);
    request.query = serde_urlencoded::from_str(inline_query)
        .map_err(|e| Failure::usage(format!("bad query string {inline_query:?}: {e}")))?;
    Ok(request)
}

/// How long to wait for the log lines of a request after its response: a local stack writes them at
/// once; CloudWatch Logs may take several seconds to make them readable.
const LOG_WAIT_LOCAL: Duration = Duration::from_secs(5);
const LOG_WAIT_AWS: Duration = Duration::from_secs(20);

/// `lambdeck request`: sends the request to the stage URL and prints the answer and its log lines.
pub async fn run(session: &Session, args: &RequestArgs) -> CmdResult {
    let request = http_request(&args.request, "GET", &session.spec)?;
    if !request.is_safe() && !args.yes {
        let question = format!(
            "Send {} {} to stage {}? It may change data",
            request.method,
            request.path_with_query(),
            session.spec.api.stage
        );
        if !super::deploy::confirm(
            &question,
            &format!("{} (not GET, HEAD or OPTIONS)", request.method),
        )? {
            eprintln!("lambdeck: not sent");
            return Ok(Status::Ok);
        }
    }
    let conn = session.connect().await?;
    let result = async {
        let stack = load_stack(&conn.clients, &session.spec).await?;
        let stage_url = stack.invoke_url().ok_or_else(|| {
            Failure::error(format!(
                "stage {} of API {} does not exist; run `lambdeck up` or `lambdeck deploy` first",
                session.spec.api.stage, session.spec.api.name
            ))
        })?;
        let client = request::client().map_err(Failure::error)?;
        if args.no_logs {
            let response = request::send(&client, stage_url, &request)
                .await
                .map_err(|e| Failure::error(format!("{} {}: {e}", request.method, request.path)))?;
            let log = RequestLog::for_response(&response);
            return Ok((response, log, false));
        }
        let watch = LogWatch {
            clients: conn.clients.clone(),
            group: session.spec.function.log_group(),
            live_tail: conn.is_local_endpoint(),
            timing: conn.poll_timing(),
            wait: if conn.is_local_endpoint() {
                LOG_WAIT_LOCAL
            } else {
                LOG_WAIT_AWS
            },
        };
        let (response, log) = request::exchange(&client, stage_url, &request, &watch)
            .await
            .map_err(|e| Failure::error(format!("{} {}: {e}", request.method, request.path)))?;
        Ok::<_, Failure>((response, log, true))
    }
    .await;
    conn.shutdown().await;
    let (response, log, looked) = result?;
    let text = if args.json {
        serde_json::to_string_pretty(&serde_json::json!({
            "response": &response,
            "log": log.lines(),
            "lambda_request_id": log.lambda_request_id(),
        }))
        .map_err(|e| Failure::error(format!("cannot write JSON: {e}")))?
            + "\n"
    } else {
        render(&response, &log, looked)
    };
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(if response.status >= 500 {
        Status::Error
    } else {
        Status::Ok
    })
}

/// The text form: the status line, the headers, the body, then the invocation's log lines.
pub fn render(r: &StageResponse, log: &RequestLog, looked: bool) -> String {
    let mut out = format!(
        "{} {} -> {} in {:.1} ms\n",
        r.request.method,
        r.request.path_with_query(),
        r.status,
        r.latency_ms
    );
    for (k, v) in &r.headers {
        out.push_str(&format!("{k}: {v}\n"));
    }
    out.push('\n');
    out.push_str(&r.body);
    if !r.body.ends_with('\n') {
        out.push('\n');
    }
    if !looked {
        return out;
    }
    out.push('\n');
    match (log.lambda_request_id(), log.lines().is_empty()) {
        (Some(id), false) => out.push_str(&format!("log lines of Lambda request {id}:\n")),
        _ if !r.reached_lambda() => {
            out.push_str("no log lines: API Gateway answered without calling the function\n");
            return out;
        }
        _ => {
            out.push_str("no log lines of this request arrived in time (see `lambdeck logs`)\n");
            return out;
        }
    }
    for e in log.lines() {
        out.push_str("  ");
        out.push_str(&super::logs::render(e));
        out.push('\n');
    }
    if !log.is_complete() {
        out.push_str("  (its REPORT line did not arrive in time)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(target: &[&str]) -> RequestSpec {
        RequestSpec {
            target: target.iter().map(|s| (*s).to_owned()).collect(),
            query: vec![],
            header: vec![],
            body: None,
            body_file: None,
        }
    }

    #[test]
    fn a_path_alone_uses_the_default_method_and_keeps_its_query() {
        let mut s = spec(&["/pets?name=a%20b"]);
        s.query = vec!["x=1".into()];
        s.header = vec!["X-Trace:  abc ".into()];
        let r = http_request(&s, "GET", &StackSpec::parse("", "x").unwrap()).unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/pets");
        assert_eq!(
            r.query,
            vec![("name".into(), "a b".into()), ("x".into(), "1".into())]
        );
        assert_eq!(r.headers, vec![("X-Trace".into(), "abc".into())]);
    }

    #[test]
    fn a_name_replays_a_saved_request_and_the_flags_add_to_it() {
        let stack = StackSpec::parse(
            "[requests.create]\nmethod = \"POST\"\npath = \"/pets\"\nbody = \"{}\"\n",
            "x",
        )
        .unwrap();
        let mut s = spec(&["create"]);
        s.header = vec!["x-a: 1".into()];
        let r = http_request(&s, "GET", &stack).unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/pets"));
        assert_eq!(r.body.as_deref(), Some("{}"));
        assert_eq!(r.headers, vec![("x-a".into(), "1".into())]);
        let e = http_request(&spec(&["nope"]), "GET", &stack).unwrap_err();
        assert!(e.message.contains("saved: create"), "{}", e.message);
        assert_eq!(e.status, crate::session::Status::Usage);
    }

    #[test]
    fn bad_parts_are_one_line_usage_errors() {
        for (target, header) in [
            (vec!["hello"], None),
            (vec!["GET", "hello"], None),
            (vec!["G E T", "/x"], None),
            (vec!["/x"], Some("no-colon")),
        ] {
            let mut s = spec(&target);
            s.header = header.into_iter().map(Into::into).collect();
            let e = http_request(&s, "GET", &StackSpec::parse("", "x").unwrap()).unwrap_err();
            assert_eq!(e.status, crate::session::Status::Usage);
            assert!(!e.message.contains('\n'));
        }
    }
}

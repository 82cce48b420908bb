//! `lambdeck test`: run a request through the working API's method (TestInvokeMethod), which is what a
//! redeploy would make live, and print the method's answer and API Gateway's execution log.

use super::request::http_request;
use super::{CmdResult, Failure, Session, Status};
use crate::cli::TestArgs;
use crate::model::TestInvocation;
use crate::stack::invoke::test_invoke;
use crate::stack::load_stack;

pub async fn run(session: &Session, args: &TestArgs) -> CmdResult {
    let request = http_request(&args.request, "GET", &session.spec)?;
    let conn = session.connect().await?;
    let stack = load_stack(&conn.clients, &session.spec).await?;
    let result = test_invoke(&conn.clients, &stack, &request).await;
    conn.shutdown().await;
    let invocation = result?;
    if args.json {
        let line = serde_json::to_string_pretty(&invocation)
            .map_err(|e| Failure::error(format!("cannot write JSON: {e}")))?;
        println!("{line}");
    } else {
        print!("{}", render(&invocation));
    }
    // The method answered; a 5xx is API Gateway or the function failing, which a script should see.
    Ok(if invocation.status >= 500 {
        Status::Error
    } else {
        Status::Ok
    })
}

/// The text form: the status line, the headers, the body, then the execution log.
pub fn render(t: &TestInvocation) -> String {
    let mut out = format!(
        "{} on the working API (not deployed): {} in {} ms\n",
        t.route, t.status, t.latency_ms
    );
    for (k, v) in &t.headers {
        out.push_str(&format!("{k}: {v}\n"));
    }
    out.push('\n');
    out.push_str(&t.body);
    if !t.body.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("\nexecution log:\n");
    for line in &t.log {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

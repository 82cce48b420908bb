//! CloudWatch Logs through the SDK: streams, events, filters and pagination.

use super::Stack;

#[tokio::test]
async fn logs_streams_events_and_pagination_through_the_sdk() {
    let s = Stack::start(None).await;
    s.logs
        .create_log_group()
        .log_group_name("/app")
        .send()
        .await
        .unwrap();
    s.logs
        .put_retention_policy()
        .log_group_name("/app")
        .retention_in_days(7)
        .send()
        .await
        .unwrap();
    for stream in ["a", "b"] {
        s.logs
            .create_log_stream()
            .log_group_name("/app")
            .log_stream_name(stream)
            .send()
            .await
            .unwrap();
    }
    for (stream, base) in [("a", 1000), ("b", 1001)] {
        let events = (0..5).map(|i| {
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(base + i * 2)
                .message(format!("{stream} line {i}"))
                .build()
                .unwrap()
        });
        s.logs
            .put_log_events()
            .log_group_name("/app")
            .log_stream_name(stream)
            .set_log_events(Some(events.collect()))
            .send()
            .await
            .unwrap();
    }
    let groups = s
        .logs
        .describe_log_groups()
        .log_group_name_prefix("/ap")
        .send()
        .await
        .unwrap();
    let g = &groups.log_groups()[0];
    assert_eq!(g.log_group_name(), Some("/app"));
    assert_eq!(g.retention_in_days(), Some(7));
    assert_eq!(
        g.arn(),
        Some("arn:aws:logs:us-east-1:000000000000:log-group:/app:*")
    );

    let streams = s
        .logs
        .describe_log_streams()
        .log_group_name("/app")
        .order_by(aws_sdk_cloudwatchlogs::types::OrderBy::LastEventTime)
        .descending(true)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = streams
        .log_streams()
        .iter()
        .map(|s| s.log_stream_name().unwrap())
        .collect();
    assert_eq!(names, ["b", "a"]);

    // Three events per page, interleaved across streams by time, until nextToken is absent.
    let mut seen = Vec::new();
    let mut ids = Vec::new();
    let mut token = None;
    loop {
        let page = s
            .logs
            .filter_log_events()
            .log_group_name("/app")
            .limit(3)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        for e in page.events() {
            seen.push(e.timestamp().unwrap());
            ids.push(e.event_id().unwrap().to_owned());
        }
        match page.next_token() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, (1000..1010).collect::<Vec<_>>());
    assert!(ids.iter().all(|i| i.len() == 56));

    let filtered = s
        .logs
        .filter_log_events()
        .log_group_name("/app")
        .filter_pattern("line -\"b line\" ?3 ?4")
        .send()
        .await
        .unwrap();
    let msgs: Vec<_> = filtered
        .events()
        .iter()
        .map(|e| e.message().unwrap())
        .collect();
    assert_eq!(msgs, ["a line 3", "a line 4"]);

    let head = s
        .logs
        .get_log_events()
        .log_group_name("/app")
        .log_stream_name("a")
        .start_from_head(true)
        .limit(4)
        .send()
        .await
        .unwrap();
    assert_eq!(head.events().len(), 4);
    let next = s
        .logs
        .get_log_events()
        .log_group_name("/app")
        .log_stream_name("a")
        .next_token(head.next_forward_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(next.events()[0].message(), Some("a line 4"));
    s.server.shutdown().await;
}

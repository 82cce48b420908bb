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
    // A minute ago: CloudWatch refuses events older than the group's retention (7 days here).
    let t0 = chrono::Utc::now().timestamp_millis() - 60_000;
    for (stream, base) in [("a", t0), ("b", t0 + 1)] {
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
    assert_eq!(seen, (t0..t0 + 10).collect::<Vec<_>>());
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

/// CloudWatch Logs' refusals and newer calls as AWS records them (LocalStack's AWS-validated
/// snapshots of test_logs_events.py, test_logs_filter_events.py and test_logs_groups.py): events too
/// old or too new are refused in `rejectedLogEventsInfo` and not stored, limits out of range are
/// InvalidParameterException, a group keeps its kmsKeyId and tags, ListLogGroups lists, and
/// DeleteLogStream removes a stream with its events.
#[tokio::test]
async fn rejected_events_limits_kms_key_list_log_groups_and_delete_log_stream() {
    use aws_sdk_cloudwatchlogs::types::InputLogEvent;

    let s = Stack::start(None).await;
    let kms = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    s.logs
        .create_log_group()
        .log_group_name("/kms")
        .kms_key_id(kms)
        .tags("team", "wire")
        .send()
        .await
        .unwrap();
    s.logs
        .create_log_group()
        .log_group_name("/other")
        .send()
        .await
        .unwrap();
    s.logs
        .create_log_stream()
        .log_group_name("/kms")
        .log_stream_name("s")
        .send()
        .await
        .unwrap();
    let described = s
        .logs
        .describe_log_groups()
        .log_group_name_prefix("/kms")
        .send()
        .await
        .unwrap();
    assert_eq!(described.log_groups()[0].kms_key_id(), Some(kms));
    let tags = s
        .logs
        .list_tags_for_resource()
        .resource_arn("arn:aws:logs:us-east-1:000000000000:log-group:/kms")
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap()["team"], "wire");

    let now = chrono::Utc::now().timestamp_millis();
    let event = |ts: i64, m: &str| {
        InputLogEvent::builder()
            .timestamp(ts)
            .message(m)
            .build()
            .unwrap()
    };
    let put = |events: Vec<InputLogEvent>| {
        s.logs
            .put_log_events()
            .log_group_name("/kms")
            .log_stream_name("s")
            .set_log_events(Some(events))
            .send()
    };
    let old = put(vec![event(now - 30 * 86_400_000, "old")])
        .await
        .unwrap();
    let info = old.rejected_log_events_info().unwrap();
    assert_eq!(info.too_old_log_event_end_index(), Some(1));
    assert_eq!(info.too_new_log_event_start_index(), None);
    let new = put(vec![event(now, "now"), event(now + 86_400_000, "future")])
        .await
        .unwrap();
    let info = new.rejected_log_events_info().unwrap();
    assert_eq!(info.too_new_log_event_start_index(), Some(1));
    assert_eq!(info.too_old_log_event_end_index(), None);
    let fine = put(vec![event(now + 1, "fine")]).await.unwrap();
    assert!(fine.rejected_log_events_info().is_none());
    let stored = s
        .logs
        .get_log_events()
        .log_group_name("/kms")
        .log_stream_name("s")
        .start_from_head(true)
        .send()
        .await
        .unwrap();
    let messages: Vec<&str> = stored.events().iter().filter_map(|e| e.message()).collect();
    assert_eq!(messages, ["now", "fine"]);

    // Limits out of range, with AWS's message.
    let too_many = s
        .logs
        .get_log_events()
        .log_group_name("/kms")
        .log_stream_name("s")
        .limit(10_001)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(too_many.is_invalid_parameter_exception());
    assert_eq!(
        too_many.meta().message(),
        Some(
            "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000"
        )
    );
    let filter = s
        .logs
        .filter_log_events()
        .log_group_name("/kms")
        .limit(10_001)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(filter.is_invalid_parameter_exception());
    for e in [
        s.logs
            .describe_log_groups()
            .limit(51)
            .send()
            .await
            .unwrap_err()
            .into_service_error()
            .meta()
            .message()
            .map(str::to_owned),
        s.logs
            .describe_log_streams()
            .log_group_name("/kms")
            .limit(51)
            .send()
            .await
            .unwrap_err()
            .into_service_error()
            .meta()
            .message()
            .map(str::to_owned),
    ] {
        assert_eq!(
            e.as_deref(),
            Some(
                "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50"
            )
        );
    }

    // ListLogGroups: names, ARNs (without `:*`) and class; a pattern is a substring.
    let listed = s.logs.list_log_groups().send().await.unwrap();
    let names: Vec<&str> = listed
        .log_groups()
        .iter()
        .filter_map(|g| g.log_group_name())
        .collect();
    assert_eq!(names, ["/kms", "/other"]);
    assert_eq!(
        listed.log_groups()[0].log_group_arn(),
        Some("arn:aws:logs:us-east-1:000000000000:log-group:/kms")
    );
    let matched = s
        .logs
        .list_log_groups()
        .log_group_name_pattern("oth")
        .send()
        .await
        .unwrap();
    assert_eq!(matched.log_groups().len(), 1);

    // DeleteLogStream: the stream and its events are gone.
    s.logs
        .delete_log_stream()
        .log_group_name("/kms")
        .log_stream_name("s")
        .send()
        .await
        .unwrap();
    let gone = s
        .logs
        .get_log_events()
        .log_group_name("/kms")
        .log_stream_name("s")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(gone.is_resource_not_found_exception());
    s.server.shutdown().await;
}

/// Resource policies as AWS's recorded `TestResourcePolicies` snapshots show them: the document as
/// given, `policyScope: ACCOUNT`, at most 10 a region (`LimitExceededException: Resource limit
/// exceeded.`, a put of an existing name still replacing it), and a delete of a missing name
/// refused with `Policy with name [X] does not exist.`; they are kept across a restart; DescribeResourcePolicies gives the document back normalised, as AWS does.
#[tokio::test]
async fn resource_policies_as_aws_records_them() {
    let dir = tempfile::tempdir().unwrap();
    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["route53.amazonaws.com"]},"Action":"logs:PutLogEvents","Resource":"*"}]}"#;
    {
        let s = Stack::start(Some(dir.path())).await;
        for i in 0..10 {
            let put = s
                .logs
                .put_resource_policy()
                .policy_name(format!("p{i}"))
                .policy_document(document)
                .send()
                .await
                .unwrap();
            let p = put.resource_policy().unwrap();
            assert_eq!(p.policy_name(), Some(format!("p{i}").as_str()));
            assert_eq!(p.policy_document(), Some(document));
            assert_eq!(p.policy_scope().map(|s| s.as_str()), Some("ACCOUNT"));
            assert!(p.last_updated_time().unwrap() > 0);
        }
        let err = s
            .logs
            .put_resource_policy()
            .policy_name("p10")
            .policy_document(document)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_limit_exceeded_exception(), "{err:?}");
        assert_eq!(err.meta().message(), Some("Resource limit exceeded."));
        s.logs
            .put_resource_policy()
            .policy_name("p1")
            .policy_document("{}")
            .send()
            .await
            .unwrap();
        let err = s
            .logs
            .delete_resource_policy()
            .policy_name("non-existent")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_resource_not_found_exception(), "{err:?}");
        assert_eq!(
            err.meta().message(),
            Some("Policy with name [non-existent] does not exist.")
        );
        s.logs
            .delete_resource_policy()
            .policy_name("p0")
            .send()
            .await
            .unwrap();
    }
    let s = Stack::start(Some(dir.path())).await;
    let listed = s.logs.describe_resource_policies().send().await.unwrap();
    let names: Vec<_> = listed
        .resource_policies()
        .iter()
        .map(|p| (p.policy_name().unwrap(), p.policy_document().unwrap()))
        .collect();
    assert_eq!(names.len(), 9);
    assert_eq!(names[0].0, "p1");
    assert_eq!(names[1].0, "p2");
    // Described as AWS's recorded answers show it: a one-principal list as that principal, and a
    // document without a Version given one.
    let described: serde_json::Value = serde_json::from_str(names[1].1).unwrap();
    assert_eq!(
        described["Statement"][0]["Principal"]["Service"],
        "route53.amazonaws.com"
    );
    let described: serde_json::Value = serde_json::from_str(names[0].1).unwrap();
    assert_eq!(described, serde_json::json!({"Version": "2008-10-17"}));
}

//! CloudWatch Logs calls about the function's log group itself (discovery, creation, deletion). Reading
//! events (FilterLogEvents, Live Tail) lives in the tail engine, not here.

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::OrderBy;

use super::AwsError;
use super::apigateway::MANAGED_TAG;
use crate::model::{Health, LogGroupInfo, LogStreamInfo};

/// How many of the newest streams discovery lists.
const LATEST_STREAMS: i32 = 5;

/// The log group with this exact name, its latest streams and whether lambdeck created it; None when it
/// does not exist.
pub async fn get_log_group(client: &Client, name: &str) -> Result<Option<LogGroupInfo>, AwsError> {
    let resource = format!("log group {name}");
    let groups = client
        .describe_log_groups()
        .log_group_name_prefix(name)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeLogGroups", resource.clone(), e))?;
    let Some(group) = groups
        .into_iter()
        .find(|g| g.log_group_name() == Some(name))
    else {
        return Ok(None);
    };
    let arn = group
        .log_group_arn()
        .map(ToOwned::to_owned)
        .or_else(|| group.arn().map(|a| a.trim_end_matches(":*").to_owned()));
    let (streams, managed) = tokio::join!(
        client
            .describe_log_streams()
            .log_group_name(name)
            .order_by(OrderBy::LastEventTime)
            .descending(true)
            .limit(LATEST_STREAMS)
            .send(),
        is_managed(client, name, arn.as_deref()),
    );
    let latest_streams = streams
        .map_err(|e| AwsError::from_sdk("DescribeLogStreams", resource.clone(), e))?
        .log_streams()
        .iter()
        .map(|s| LogStreamInfo {
            name: s.log_stream_name().unwrap_or_default().to_owned(),
            last_event_ms: s.last_event_timestamp(),
        })
        .collect();
    let notes = if managed.is_none() {
        vec!["its tags cannot be read here, so `down` leaves it alone".to_owned()]
    } else {
        vec![]
    };
    Ok(Some(LogGroupInfo {
        name: name.to_owned(),
        arn,
        retention_days: group.retention_in_days(),
        stored_bytes: group.stored_bytes(),
        created_ms: group.creation_time(),
        latest_streams,
        managed: managed == Some(true),
        health: Health::Ok,
        notes,
    }))
}

/// Whether the group carries lambdeck's tag (None: no tag API answered). Tags are read with
/// ListTagsForResource, falling back to the older ListTagsLogGroup.
async fn is_managed(client: &Client, name: &str, arn: Option<&str>) -> Option<bool> {
    let tagged = |t: Option<&std::collections::HashMap<String, String>>| {
        t.is_some_and(|t| t.get(MANAGED_TAG.0).is_some_and(|v| v == MANAGED_TAG.1))
    };
    if let Some(arn) = arn
        && let Ok(out) = client
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
    {
        return Some(tagged(out.tags()));
    }
    #[allow(deprecated)]
    let old = client
        .list_tags_log_group()
        .log_group_name(name)
        .send()
        .await;
    old.ok().map(|out| tagged(out.tags()))
}

/// Creates the log group, tagged as lambdeck's.
pub async fn create_log_group(client: &Client, name: &str) -> Result<(), AwsError> {
    client
        .create_log_group()
        .log_group_name(name)
        .tags(MANAGED_TAG.0, MANAGED_TAG.1)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateLogGroup", format!("log group {name}"), e))?;
    Ok(())
}

pub async fn delete_log_group(client: &Client, name: &str) -> Result<(), AwsError> {
    client
        .delete_log_group()
        .log_group_name(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeleteLogGroup", format!("log group {name}"), e))?;
    Ok(())
}

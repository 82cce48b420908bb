//! Usage plans metering stage traffic (throttle per key and per method, quota, GetUsage and
//! UpdateUsage) and Cognito user pool authorizers, through the real SDK and reqwest on MOCK
//! integrations (no function needed).

use aws_sdk_apigateway::types::{
    ApiStage, IntegrationType, Op, PatchOperation, QuotaPeriodType, QuotaSettings, ThrottleSettings,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::{STAGE, Stack};

/// An API with `/item`; returns (api id, resource id).
async fn api(s: &Stack) -> (String, String) {
    let api = s
        .apigw
        .create_rest_api()
        .name("metered")
        .send()
        .await
        .unwrap();
    let id = api.id.unwrap();
    let item = s
        .apigw
        .create_resource()
        .rest_api_id(&id)
        .parent_id(api.root_resource_id.unwrap())
        .path_part("item")
        .send()
        .await
        .unwrap();
    (id, item.id.unwrap())
}

/// A MOCK method answering 200 with `template` as its body.
async fn mock(
    s: &Stack,
    api: &str,
    rid: &str,
    verb: &str,
    method: aws_sdk_apigateway::operation::put_method::builders::PutMethodFluentBuilder,
    template: &str,
) {
    method
        .rest_api_id(api)
        .resource_id(rid)
        .http_method(verb)
        .send()
        .await
        .unwrap();
    s.apigw
        .put_integration()
        .rest_api_id(api)
        .resource_id(rid)
        .http_method(verb)
        .r#type(IntegrationType::Mock)
        .request_templates("application/json", r#"{"statusCode": 200}"#)
        .send()
        .await
        .unwrap();
    s.apigw
        .put_method_response()
        .rest_api_id(api)
        .resource_id(rid)
        .http_method(verb)
        .status_code("200")
        .send()
        .await
        .unwrap();
    s.apigw
        .put_integration_response()
        .rest_api_id(api)
        .resource_id(rid)
        .http_method(verb)
        .status_code("200")
        .response_templates("application/json", template)
        .send()
        .await
        .unwrap();
}

async fn deploy(s: &Stack, api: &str) {
    s.apigw
        .create_deployment()
        .rest_api_id(api)
        .stage_name(STAGE)
        .send()
        .await
        .unwrap();
}

/// (status, x-amzn-ErrorType, body as JSON).
async fn call(
    s: &Stack,
    verb: reqwest::Method,
    api: &str,
    headers: &[(&str, &str)],
) -> (u16, String, Value) {
    let mut r = s.http.request(verb, s.stage_url(api, "/item"));
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("x-amzn-ErrorType")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = r.text().await.unwrap();
    (
        status,
        kind,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn op(op: Op, path: &str, value: Option<&str>) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .set_value(value.map(ToOwned::to_owned))
        .build()
}

fn throttle(burst: i32, rate: f64) -> ThrottleSettings {
    ThrottleSettings::builder()
        .burst_limit(burst)
        .rate_limit(rate)
        .build()
}

#[tokio::test]
async fn usage_plans_throttle_and_count_each_key_and_report_usage() {
    let s = Stack::start(None).await;
    let (api, item) = api(&s).await;
    for verb in ["GET", "POST"] {
        let m = s
            .apigw
            .put_method()
            .authorization_type("NONE")
            .api_key_required(true);
        mock(&s, &api, &item, verb, m, r#"{"ok": true}"#).await;
    }
    deploy(&s, &api).await;
    let key = s
        .apigw
        .create_api_key()
        .name("k")
        .enabled(true)
        .send()
        .await
        .unwrap();
    let (key_id, value) = (key.id.unwrap(), key.value.unwrap());
    // A rate far below one request per test run: the bucket does not refill while the test runs.
    let plan = s
        .apigw
        .create_usage_plan()
        .name("plan")
        .throttle(throttle(3, 0.0001))
        .quota(
            QuotaSettings::builder()
                .limit(100)
                .period(QuotaPeriodType::Day)
                .build(),
        )
        .api_stages(
            ApiStage::builder()
                .api_id(&api)
                .stage(STAGE)
                .throttle("/item/POST", throttle(1, 0.0001))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let plan_id = plan.id.unwrap();
    s.apigw
        .create_usage_plan_key()
        .usage_plan_id(&plan_id)
        .key_id(&key_id)
        .key_type("API_KEY")
        .send()
        .await
        .unwrap();
    let with_key = [("x-api-key", value.as_str())];
    for _ in 0..3 {
        assert_eq!(call(&s, reqwest::Method::GET, &api, &with_key).await.0, 200);
    }
    assert_eq!(
        call(&s, reqwest::Method::GET, &api, &with_key).await,
        (
            429,
            "TooManyRequestsException".into(),
            json!({"message": "Too Many Requests"})
        ),
        "the plan's burst of 3 is spent"
    );
    // POST has its own throttle in the plan (burst 1), and its own bucket.
    assert_eq!(
        call(&s, reqwest::Method::POST, &api, &with_key).await.0,
        200
    );
    assert_eq!(
        call(&s, reqwest::Method::POST, &api, &with_key).await.0,
        429
    );

    let today = chrono::Utc::now().date_naive().to_string();
    let usage = s
        .apigw
        .get_usage()
        .usage_plan_id(&plan_id)
        .start_date(&today)
        .end_date(&today)
        .send()
        .await
        .unwrap();
    assert_eq!(usage.usage_plan_id(), Some(plan_id.as_str()));
    assert_eq!(
        usage.items().unwrap()[&key_id],
        vec![vec![4_i64, 96]],
        "four admitted, throttled ones not counted"
    );

    // Without the plan's throttle GET is admitted again; the quota left is what UpdateUsage set.
    s.apigw
        .update_usage_plan()
        .usage_plan_id(&plan_id)
        .patch_operations(op(Op::Remove, "/throttle", None))
        .send()
        .await
        .unwrap();
    let updated = s
        .apigw
        .update_usage()
        .usage_plan_id(&plan_id)
        .key_id(&key_id)
        .patch_operations(op(Op::Replace, "/remaining", Some("1")))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.items().unwrap()[&key_id], vec![vec![4_i64, 1]]);
    assert_eq!(call(&s, reqwest::Method::GET, &api, &with_key).await.0, 200);
    assert_eq!(
        call(&s, reqwest::Method::GET, &api, &with_key).await,
        (
            429,
            "LimitExceededException".into(),
            json!({"message": "Limit Exceeded"})
        )
    );
    let usage = s
        .apigw
        .get_usage()
        .usage_plan_id(&plan_id)
        .key_id(&key_id)
        .start_date(&today)
        .end_date(&today)
        .send()
        .await
        .unwrap();
    assert_eq!(usage.items().unwrap()[&key_id], vec![vec![5_i64, 0]]);
    let refused = s
        .apigw
        .get_usage()
        .usage_plan_id("nosuchplan")
        .start_date(&today)
        .end_date(&today)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_apigateway::error::ProvideErrorMetadata::code(&refused.into_service_error()),
        Some("NotFoundException")
    );
}

const POOL: &str = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_Local";

/// An unsigned JWT with these claims.
fn jwt(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"local"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

#[tokio::test]
async fn cognito_authorizers_admit_tokens_of_their_pools_and_pass_the_claims() {
    let s = Stack::start(None).await;
    let (api, item) = api(&s).await;
    let authorizer = s
        .apigw
        .create_authorizer()
        .rest_api_id(&api)
        .name("pool")
        .r#type(aws_sdk_apigateway::types::AuthorizerType::CognitoUserPools)
        .provider_arns(POOL)
        .identity_source("method.request.header.Authorization")
        .send()
        .await
        .unwrap()
        .id
        .unwrap();
    let get = s
        .apigw
        .put_method()
        .authorization_type("COGNITO_USER_POOLS")
        .authorizer_id(&authorizer);
    mock(
        &s,
        &api,
        &item,
        "GET",
        get,
        r#"{"email": "$context.authorizer.claims.email"}"#,
    )
    .await;
    let post = s
        .apigw
        .put_method()
        .authorization_type("COGNITO_USER_POOLS")
        .authorizer_id(&authorizer)
        .authorization_scopes("items/write");
    mock(&s, &api, &item, "POST", post, r#"{"ok": true}"#).await;
    deploy(&s, &api).await;

    let issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Local";
    let later = chrono::Utc::now().timestamp() + 3600;
    let id_token = jwt(&json!({"iss": issuer, "token_use": "id", "exp": later, "email": "a@b.c"}));
    let unauthorized = (
        401,
        "UnauthorizedException".to_owned(),
        json!({"message": "Unauthorized"}),
    );
    assert_eq!(
        call(&s, reqwest::Method::GET, &api, &[]).await,
        unauthorized
    );
    for bad in [
        "not-a-jwt".to_owned(),
        jwt(
            &json!({"iss": "https://cognito-idp.us-east-1.amazonaws.com/other", "token_use": "id"}),
        ),
        jwt(&json!({"iss": issuer, "token_use": "id", "exp": 1})),
    ] {
        assert_eq!(
            call(&s, reqwest::Method::GET, &api, &[("Authorization", &bad)]).await,
            unauthorized,
            "{bad}"
        );
    }
    let (status, _, body) = call(
        &s,
        reqwest::Method::GET,
        &api,
        &[("Authorization", &id_token)],
    )
    .await;
    assert_eq!((status, body), (200, json!({"email": "a@b.c"})));

    // With scopes, an access token granting one of them is required.
    assert_eq!(
        call(
            &s,
            reqwest::Method::POST,
            &api,
            &[("Authorization", &id_token)]
        )
        .await,
        unauthorized
    );
    let access = jwt(&json!({"iss": issuer, "token_use": "access", "exp": later,
        "scope": "items/read items/write"}));
    assert_eq!(
        call(
            &s,
            reqwest::Method::POST,
            &api,
            &[("Authorization", &access)]
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn a_stages_method_settings_throttle_its_methods_for_every_caller() {
    let s = Stack::start(None).await;
    let (api, item) = api(&s).await;
    for verb in ["GET", "POST"] {
        let m = s.apigw.put_method().authorization_type("NONE");
        mock(&s, &api, &item, verb, m, r#"{"ok": true}"#).await;
    }
    deploy(&s, &api).await;
    let stage = s
        .apigw
        .update_stage()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .patch_operations(op(Op::Replace, "/*/*/throttling/rateLimit", Some("0.0001")))
        .patch_operations(op(Op::Replace, "/*/*/throttling/burstLimit", Some("2")))
        .patch_operations(op(
            Op::Replace,
            "/~1item/POST/throttling/burstLimit",
            Some("1"),
        ))
        .send()
        .await
        .unwrap();
    let settings = stage.method_settings().unwrap();
    assert_eq!(settings["*/*"].throttling_burst_limit(), 2);
    // A method's setting starts from the stage's `*/*` one, as AWS's recorded answers show.
    assert_eq!(settings["item/POST"].throttling_burst_limit(), 1);
    assert_eq!(settings["item/POST"].throttling_rate_limit(), 0.0001);
    assert_eq!(settings["item/POST"].cache_ttl_in_seconds(), 300);
    for _ in 0..2 {
        assert_eq!(call(&s, reqwest::Method::GET, &api, &[]).await.0, 200);
    }
    assert_eq!(
        call(&s, reqwest::Method::GET, &api, &[]).await,
        (
            429,
            "TooManyRequestsException".into(),
            json!({"message": "Too Many Requests"})
        )
    );
    assert_eq!(call(&s, reqwest::Method::POST, &api, &[]).await.0, 200);
    assert_eq!(call(&s, reqwest::Method::POST, &api, &[]).await.0, 429);

    // Removing the settings lifts the throttle; removing one that is not there is AWS's 400.
    s.apigw
        .update_stage()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .patch_operations(op(Op::Remove, "/*/*", None))
        .patch_operations(op(Op::Remove, "/~1item/POST", None))
        .send()
        .await
        .unwrap();
    assert_eq!(call(&s, reqwest::Method::GET, &api, &[]).await.0, 200);
    let refused = s
        .apigw
        .update_stage()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .patch_operations(op(Op::Remove, "/*/*", None))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_apigateway::error::ProvideErrorMetadata::message(&refused.into_service_error()),
        Some(
            "Cannot remove method setting */* because there is no method setting for this method "
        )
    );
}

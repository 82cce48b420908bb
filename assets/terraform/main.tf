# The tutorial's stack, rewritten for the Rust hello-world function. Reference material for teams that
# provision with Terraform; lambdeck itself does not run it. `lambdeck up` creates the same resources.
#
# Build the package first:  lambdeck build   (writes target/lambda/hello-world/bootstrap.zip)

terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.0" }
  }
}

variable "aws_region" {
  type    = string
  default = "ap-northeast-1"
}

variable "app_name" {
  type    = string
  default = "tf-test"
}

variable "function_name" {
  type    = string
  default = "tf-test-rust-hello-world"
}

variable "package" {
  description = "The zip holding the release `bootstrap` binary"
  type        = string
  default     = "../../target/lambda/hello-world/bootstrap.zip"
}

provider "aws" {
  region = var.aws_region
}

data "aws_caller_identity" "current" {}

# CloudWatch Logs for the function
resource "aws_cloudwatch_log_group" "hello_world" {
  name = "/aws/lambda/${var.function_name}"
}

# Execution role: may only write its own logs
resource "aws_iam_role" "lambda_logging" {
  name = "${var.app_name}-lambda-role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17",
    Statement = [{
      Effect    = "Allow",
      Principal = { Service = "lambda.amazonaws.com" },
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_policy" "lambda_logging" {
  name        = "${var.app_name}-lambda-policy"
  description = "IAM policy for logging from a lambda"
  policy = jsonencode({
    Version = "2012-10-17",
    Statement = [
      {
        Action   = "logs:CreateLogGroup",
        Effect   = "Allow",
        Resource = "arn:aws:logs:${var.aws_region}:${data.aws_caller_identity.current.account_id}:*"
      },
      {
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"],
        Effect   = "Allow",
        Resource = ["${aws_cloudwatch_log_group.hello_world.arn}:*"]
      }
    ]
  })
}

resource "aws_iam_role_policy_attachment" "lambda_logging" {
  policy_arn = aws_iam_policy.lambda_logging.arn
  role       = aws_iam_role.lambda_logging.name
}

# The Rust function: a `bootstrap` executable on the OS-only runtime
resource "aws_lambda_function" "hello_world" {
  filename         = var.package
  source_code_hash = filebase64sha256(var.package)
  function_name    = var.function_name
  role             = aws_iam_role.lambda_logging.arn
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = ["x86_64"]
  memory_size      = 128
  timeout          = 3

  depends_on = [
    aws_iam_role_policy_attachment.lambda_logging,
    aws_cloudwatch_log_group.hello_world
  ]
}

# The REST API
resource "aws_api_gateway_rest_api" "to_lambda" {
  name        = "${var.app_name}-to-lambda-rust-api"
  description = "REST API for lambda rust test"
}

resource "aws_api_gateway_resource" "hello_world" {
  rest_api_id = aws_api_gateway_rest_api.to_lambda.id
  parent_id   = aws_api_gateway_rest_api.to_lambda.root_resource_id
  path_part   = "hello_world"
}

resource "aws_api_gateway_method" "hello_world" {
  rest_api_id   = aws_api_gateway_rest_api.to_lambda.id
  resource_id   = aws_api_gateway_resource.hello_world.id
  http_method   = "GET"
  authorization = "NONE"
}

# Lambda proxy integration: the integration method to Lambda is always POST
resource "aws_api_gateway_integration" "hello_world" {
  rest_api_id             = aws_api_gateway_rest_api.to_lambda.id
  resource_id             = aws_api_gateway_resource.hello_world.id
  http_method             = aws_api_gateway_method.hello_world.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.hello_world.invoke_arn
}

# A deployment is a frozen snapshot of the API. Terraform does not create a new one when resources,
# methods or integrations change, so the stage keeps serving the old snapshot (the stale-deployment
# problem). The usual fix: a `triggers` hash over everything the snapshot contains, so a change replaces
# the deployment, and create_before_destroy, so the stage is moved to the new deployment before the old
# one is deleted (otherwise: "Active stages pointing to this deployment must be moved or deleted").
#
# It is still fragile: the hash only sees the resources listed in it, so a route added elsewhere and
# forgotten here stays undeployed without any warning; a change made outside Terraform (console, CLI) is
# never deployed; and each apply discards the deployment history a rollback would need.
# `lambdeck status` shows the exact difference between the stage and the working API, and
# `lambdeck deploy` / `lambdeck rollback` act on it while keeping the URL.
resource "aws_api_gateway_deployment" "hello_world" {
  rest_api_id = aws_api_gateway_rest_api.to_lambda.id

  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.hello_world.id,
      aws_api_gateway_method.hello_world.id,
      aws_api_gateway_method.hello_world.authorization,
      aws_api_gateway_integration.hello_world.id,
      aws_api_gateway_integration.hello_world.uri,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [aws_api_gateway_integration.hello_world]
}

resource "aws_api_gateway_stage" "hello_world" {
  deployment_id = aws_api_gateway_deployment.hello_world.id
  rest_api_id   = aws_api_gateway_rest_api.to_lambda.id
  stage_name    = var.app_name
}

# Only this API may invoke the function
resource "aws_lambda_permission" "apigateway_invoke" {
  statement_id  = "AllowExecutionFromAPIGateway"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.hello_world.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.to_lambda.execution_arn}/*/*"
}

output "invoke_url" {
  value = "${aws_api_gateway_stage.hello_world.invoke_url}/hello_world"
}

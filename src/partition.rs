//! AWS partitions: the first field of every ARN (`arn:aws-cn:...`) and the DNS suffix of every
//! endpoint (`amazonaws.com.cn`) differ outside the commercial partition, so neither is ever written
//! as a constant. The partition comes from an ARN already in hand when there is one, else from the
//! region. Imports nothing of ours: the clients and the local stack both use it.

/// One partition: its ARN id and the DNS suffix of its endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub id: &'static str,
    pub dns_suffix: &'static str,
}

pub const AWS: Partition = Partition {
    id: "aws",
    dns_suffix: "amazonaws.com",
};
pub const AWS_CN: Partition = Partition {
    id: "aws-cn",
    dns_suffix: "amazonaws.com.cn",
};
pub const AWS_US_GOV: Partition = Partition {
    id: "aws-us-gov",
    dns_suffix: "amazonaws.com",
};

/// The partitions other than `aws`, by region prefix, as the SDK's partitions.json lists them.
const BY_REGION_PREFIX: &[(&str, Partition)] = &[
    ("cn-", AWS_CN),
    ("us-gov-", AWS_US_GOV),
    (
        "us-iso-",
        Partition {
            id: "aws-iso",
            dns_suffix: "c2s.ic.gov",
        },
    ),
    (
        "us-isob-",
        Partition {
            id: "aws-iso-b",
            dns_suffix: "sc2s.sgov.gov",
        },
    ),
    (
        "eu-isoe-",
        Partition {
            id: "aws-iso-e",
            dns_suffix: "cloud.adc-e.uk",
        },
    ),
    (
        "us-isof-",
        Partition {
            id: "aws-iso-f",
            dns_suffix: "csp.hci.ic.gov",
        },
    ),
    (
        "eusc-",
        Partition {
            id: "aws-eusc",
            dns_suffix: "amazonaws.eu",
        },
    ),
];

/// The partition a region belongs to (`aws` for every commercial region, and for unknown names).
pub fn of_region(region: &str) -> Partition {
    BY_REGION_PREFIX
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or(AWS, |(_, p)| *p)
}

/// The partition id an ARN names (`arn:aws-cn:lambda:...` -> `aws-cn`).
pub fn of_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    match (parts.next(), parts.next()) {
        (Some("arn"), Some(p)) if !p.is_empty() => Some(p),
        _ => None,
    }
}

/// `arn:{partition of region}:{service}:{region}:{account}:{resource}`.
pub fn arn(region: &str, service: &str, account: &str, resource: &str) -> String {
    format!(
        "arn:{}:{service}:{region}:{account}:{resource}",
        of_region(region).id
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_their_partition() {
        assert_eq!(of_region("us-east-1"), AWS);
        assert_eq!(of_region("ap-northeast-1"), AWS);
        assert_eq!(of_region("cn-north-1"), AWS_CN);
        assert_eq!(of_region("cn-northwest-1").dns_suffix, "amazonaws.com.cn");
        assert_eq!(of_region("us-gov-west-1"), AWS_US_GOV);
        assert_eq!(of_region("us-iso-east-1").id, "aws-iso");
        assert_eq!(of_region("us-isob-east-1").id, "aws-iso-b");
    }

    #[test]
    fn arns_name_their_partition() {
        assert_eq!(
            of_arn("arn:aws-cn:lambda:cn-north-1:1:function:f"),
            Some("aws-cn")
        );
        assert_eq!(of_arn("arn:aws:iam::1:role/r"), Some("aws"));
        assert_eq!(of_arn("not an arn"), None);
        assert_eq!(
            arn("us-gov-west-1", "logs", "1", "log-group:g"),
            "arn:aws-us-gov:logs:us-gov-west-1:1:log-group:g"
        );
    }
}

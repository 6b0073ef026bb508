"""The last hop: distributors (null, smtp, mailjet, acs), failover, feedback, suppressions."""

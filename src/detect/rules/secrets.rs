//! Rules for secrets: cloud and SaaS credentials with recognisable shapes (AWS, GCP, Azure,
//! GitHub, GitLab, Slack, Stripe, OpenAI, Anthropic and others), JWTs, PEM private keys,
//! passwords in URLs, commands and assignments, and high-entropy values next to secret
//! keywords. Vendor rules are tight shapes with literal prefixes; the keyword rules catch the
//! long tail.

use super::{check, Candidate, Check, Needs, Rule};
use crate::detect::validate;
use crate::detect::Entity::Secret;

/// Vendor tokens with a recognisable shape: (name, pattern, prefilter literals).
const VENDOR: &[(&str, &str, &[&str])] = &[
    ("aws_access_key", r"(?-u)\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b", &["AKIA", "ASIA", "ABIA", "ACCA", "A3T"]),
    ("aws_bedrock_key", r"(?-u)\bABSK[A-Za-z0-9+/]{109,269}={0,2}", &["ABSK"]),
    ("aws_bedrock_key_short", r"(?-u)\bbedrock-api-key-[A-Za-z0-9+/]{20,}={0,2}", &["bedrock-api-key-"]),
    ("gcp_api_key", r"(?-u)\bAIza[0-9A-Za-z_\-]{35}(?:\b|$)", &["AIza"]),
    ("gcp_oauth_secret", r"(?-u)\bGOCSPX-[A-Za-z0-9_\-]{28}", &["GOCSPX-"]),
    ("google_oauth_token", r"(?-u)\bya29\.[0-9A-Za-z_\-]{20,}", &["ya29."]),
    ("azure_ad_client_secret", r"(?-u)[a-zA-Z0-9_~.]{3}[0-9]Q~[a-zA-Z0-9_~.\-]{31,34}", &["Q~"]),
    ("azure_storage_key", r"(?i)(?:AccountKey|SharedAccessKey|SharedAccessSignature)=[^;\s'\x22]{20,}", &["AccountKey", "SharedAccess"]),
    ("github_token", r"(?-u)\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b", &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]),
    ("github_fine_grained_pat", r"(?-u)\bgithub_pat_[A-Za-z0-9_]{82}", &["github_pat_"]),
    ("gitlab_token", r"(?-u)\bgl(?:pat|ptt|dt|rt|oas|cbt|ft|imt|agent|soat|ffct|cd|wt)-[A-Za-z0-9_\-]{20,}", &["glpat-", "glptt-", "gldt-", "glrt-", "gloas-", "glcbt-", "glft-", "glimt-", "glagent-", "glsoat-", "glffct-", "glcd-", "glwt-"]),
    ("gitlab_runner_token", r"(?-u)\bGR1348941[A-Za-z0-9_\-]{20,}", &["GR1348941"]),
    ("slack_token", r"(?-u)\bxox[abposre](?:\.xox[bp])?-[A-Za-z0-9\-]{10,}", &["xox"]),
    ("slack_app_token", r"(?i-u)\bxapp-[0-9]-[A-Z0-9]+-[0-9]+-[a-z0-9]+", &["xapp-"]),
    ("slack_webhook", r"(?-u)hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_\-]{20,}", &["hooks.slack.com"]),
    ("stripe_key", r"(?-u)\b(?:sk|rk)_(?:test|live|prod)_[A-Za-z0-9]{10,99}\b", &["sk_test_", "sk_live_", "sk_prod_", "rk_test_", "rk_live_", "rk_prod_"]),
    ("openai_key", r"(?-u)\bsk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{20,}|\bsk-[A-Za-z0-9_\-]{0,80}T3BlbkFJ[A-Za-z0-9_\-]{10,}", &["sk-proj-", "sk-svcacct-", "sk-admin-", "sk-None-", "T3BlbkFJ"]),
    ("anthropic_key", r"(?-u)\bsk-ant-(?:api|admin|sid)[0-9]{2}-[A-Za-z0-9_\-]{40,}", &["sk-ant-"]),
    ("huggingface_token", r"(?-u)\b(?:hf_|api_org_)[A-Za-z]{34}\b", &["hf_", "api_org_"]),
    ("npm_token", r"(?-u)\bnpm_[A-Za-z0-9]{36}\b", &["npm_"]),
    ("pypi_token", r"(?-u)pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}", &["pypi-AgEIcHlwaS5vcmc"]),
    ("sendgrid_key", r"(?-u)\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}\b", &["SG."]),
    ("twilio_key", r"(?-u)\bSK[0-9a-fA-F]{32}\b", &["SK"]),
    ("mailgun_key", r"(?-u)\bkey-[0-9a-f]{32}\b", &["key-"]),
    ("shopify_token", r"(?-u)\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b", &["shpat_", "shpca_", "shppa_", "shpss_"]),
    ("digitalocean_token", r"(?-u)\bdo[opr]_v1_[a-f0-9]{64}\b", &["_v1_"]),
    ("databricks_token", r"(?-u)\bdapi[a-f0-9]{32}(?:-[0-9])?\b", &["dapi"]),
    ("doppler_token", r"(?-u)\bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}\b", &["dp."]),
    ("telegram_bot_token", r"(?-u)\b[0-9]{5,16}:A[A-Za-z0-9_\-]{34}(?:\b|$)", &[":A"]),
    ("atlassian_token", r"(?-u)\bATATT3[A-Za-z0-9_\-=]{186}", &["ATATT3"]),
    ("sentry_token", r"(?-u)\bsntry[su]_[A-Za-z0-9+/=_]{40,}", &["sntrys_", "sntryu_"]),
    ("grafana_token", r"(?-u)\b(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})", &["glc_", "glsa_"]),
    ("planetscale_token", r"(?-u)\bpscale_(?:tkn|pw|oauth)_[A-Za-z0-9=\-_.]{32,64}", &["pscale_"]),
    ("flyio_token", r"(?-u)\b(?:fo1_[A-Za-z0-9_\-]{43}|fm1[ar]_[A-Za-z0-9+/]{100,}={0,3}|fm2_[A-Za-z0-9+/]{100,}={0,3})", &["fo1_", "fm1a_", "fm1r_", "fm2_"]),
    ("onepassword_token", r"(?-u)\bops_eyJ[A-Za-z0-9+/]{250,}={0,3}", &["ops_eyJ"]),
    ("onepassword_secret_key", r"(?-u)\bA3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}\b", &["A3-"]),
    ("harness_token", r"(?-u)\b(?:pat|sat)\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}\b", &["pat.", "sat."]),
    ("shippo_token", r"(?-u)\bshippo_(?:live|test)_[a-fA-F0-9]{40}\b", &["shippo_"]),
    ("easypost_token", r"(?-u)\bEZ[AT]K[A-Za-z0-9]{54}\b", &["EZAK", "EZTK"]),
    ("infracost_token", r"(?-u)\bico-[A-Za-z0-9]{32}\b", &["ico-"]),
    ("clickhouse_secret", r"(?-u)\b4b1d[A-Za-z0-9]{38}\b", &["4b1d"]),
    ("age_secret_key", r"(?-u)\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b", &["AGE-SECRET-KEY-"]),
    ("jfrog_token", r"(?-u)\b(?:AKCp[A-Za-z0-9]{69}|cmVmdGtu[A-Za-z0-9]{56,})\b", &["AKCp", "cmVmdGtu"]),
    ("postman_key", r"(?-u)\bPMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}\b", &["PMAK-"]),
    ("linear_key", r"(?-u)\blin_api_[A-Za-z0-9]{40}\b", &["lin_api_"]),
    ("notion_token", r"(?-u)\b(?:secret_[A-Za-z0-9]{43}|ntn_[0-9]{11}[A-Za-z0-9]{35})\b", &["secret_", "ntn_"]),
    ("vault_token", r"(?-u)\bhv[sb]\.[A-Za-z0-9_\-]{24,}", &["hvs.", "hvb."]),
    ("terraform_token", r"(?-u)\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=\-]{60,70}", &[".atlasv1."]),
    ("square_token", r"(?-u)\b(?:EAAA|sq0atp-|sq0csp-)[A-Za-z0-9_\-]{22,60}\b", &["EAAA", "sq0atp-", "sq0csp-"]),
    ("facebook_token", r"(?-u)\bEAA[MC][A-Za-z0-9]{100,}", &["EAAM", "EAAC"]),
    ("discord_webhook", r"(?-u)discord(?:app)?\.com/api/webhooks/[0-9]+/[A-Za-z0-9_\-]{60,}", &["/api/webhooks/"]),
    ("cloudflare_origin_ca", r"(?-u)\bv1\.0-[a-f0-9]{24}-[a-f0-9]{146}\b", &["v1.0-"]),
    ("sidekiq_credential", r"(?i)BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM[A-Z_]*[\x22']?\s*(?:[:=,]|:=)\s*[\x22']?[a-f0-9]{8}:[a-f0-9]{8}", &["CONTRIBSYS"]),
    ("sourcegraph_token", r"(?-u)\bsgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}\b", &["sgp_"]),
    ("adobe_client_secret", r"(?-u)\bp8e-[a-zA-Z0-9]{32}\b", &["p8e-"]),
    ("intra42_client_secret", r"(?-u)\bs-s4t2(?:ud|af)-[a-f0-9]{64}\b", &["s-s4t2"]),
    ("facebook_app_token", r"(?-u)\b[0-9]{15,16}(?:\||%7[Cc])[A-Za-z0-9\-_]{27}\b", &["|", "%7C", "%7c"]),
    ("private_key_pem", r"(?s)-----BEGIN[ A-Z0-9_\-]{0,40}PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END[ A-Z0-9_\-]{0,40}PRIVATE KEY(?: BLOCK)?-----|\z)", &["PRIVATE KEY"]),
    ("putty_private_key", r"(?s)PuTTY-User-Key-File-[0-9]:.*?(?:Private-MAC: [a-f0-9]+|\z)", &["PuTTY-User-Key-File"]),
];

/// An assignment's operator, after a key (quoted or not, Go's `var x string =` too).
pub(crate) const OPERATOR: &str = r#"["']?(?:\s+string)?\s*(?::{1,3}=|\?=|\.=|=>|==|=|:)\s*"#;

/// Words after `password:` that are prose or placeholders, not values.
const NOT_VALUES: &[&str] = &[
    "must", "should", "required", "optional", "please", "enter", "your", "the", "here", "none", "null", "nil", "true", "false",
    "undefined", "hidden", "empty", "string", "str", "field", "reset", "forgot", "changed", "incorrect", "invalid", "protected",
    "password", "secret", "token", "value", "example", "redacted", "masked",
];

pub(crate) fn is_placeholder(v: &str) -> bool {
    let t = v.trim_matches(|c| c == '"' || c == '\'' || c == '`');
    let lower = t.to_ascii_lowercase();
    t.starts_with('$') || t.starts_with("{{") || t.starts_with("%(") || t.starts_with('<') || t.starts_with('[')
        || t.chars().all(|c| c == '*' || c == 'x' || c == 'X' || c == '.' || c == '•')
        || lower.starts_with("os.") || lower.starts_with("process.env") || lower.starts_with("env(") || lower.starts_with("env.")
        || lower.starts_with("getenv") || lower.starts_with("config.") || lower.starts_with("settings.") || lower.starts_with("self.")
        || lower.starts_with("input(") || lower.starts_with("request.") || lower.contains("(")
        || NOT_VALUES.contains(&lower.as_str())
}

fn jwt_header_ok(v: &str) -> bool {
    // The header decodes (base64url) to a JSON object naming an algorithm or type.
    let head = v.split('.').next().unwrap_or("");
    validate::base64_decode(head, true).is_some_and(|h| {
        let s = String::from_utf8_lossy(&h);
        s.contains("\"alg\"") || s.contains("\"typ\"") || s.contains("\"kid\"")
    })
}

fn high_entropy(v: &str) -> bool {
    let e = validate::entropy(v);
    let has_digit = v.bytes().any(|b| b.is_ascii_digit());
    (v.len() >= 12 && e >= 3.2 && has_digit && validate::char_classes(v) >= 2) || (v.len() >= 20 && e >= 4.0 && validate::char_classes(v) >= 2)
}

pub fn rules() -> Vec<Rule> {
    let mut rules: Vec<Rule> = VENDOR
        .iter()
        .map(|&(name, pattern, lits)| Rule::new(name, Secret, pattern, Needs::Literals(lits)).score(0.95))
        .collect();

    rules.push(
        Rule::new("jwt", Secret, r"(?-u)\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*", Needs::Literals(&["eyJ"]))
            .check(check(jwt_header_ok)),
    );
    // A JWT inside base64 (e.g. a Kubernetes secret): "eyJ" encodes to "ZXlK".
    rules.push(Rule::new("jwt_base64", Secret, r"(?-u)\bZXlK[A-Za-z0-9+/]{40,}={0,2}", Needs::Literals(&["ZXlK"])));
    rules.push(
        Rule::new(
            "auth_header",
            Secret,
            r#"(?i-u)\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:basic|bearer|token|digest|apikey|sso-key|negotiate)\s+([A-Za-z0-9._~+/=:\-]{8,})"#,
            Needs::Literals(&["authoriz"]),
        )
        .group(1),
    );
    rules.push(
        Rule::new("bearer_token", Secret, r"(?i-u)\bbearer\s+([A-Za-z0-9._~+/\-]{16,}=*)", Needs::Literals(&["bearer"]))
            .group(1)
            .check(check(|v| validate::char_classes(v) >= 2)),
    );
    // Secrets handed to a call as (name, value): `setProperty("API_TOKEN", "...")`,
    // `os.environ.setdefault('DB_PASSWORD', '...')`.
    rules.push(
        Rule::new(
            "secret_argument",
            Secret,
            r#"(?i)["'][a-z0-9_.\-]{0,60}(?:token|secret|api_?key|apikey|password|passwd|pwd|credential|auth)[a-z0-9_.\-]{0,30}["']\s*,\s*(?:"([^"\n]{6,400})"|'([^'\n]{6,400})')"#,
            Needs::Literals(&["token", "secret", "key", "pass", "pwd", "credential", "auth"]),
        )
        .group(1)
        .check(Some(value_check(6, true))),
    );
    // The key may sit inside an identifier (`dbPassword`, `asanaToken`, `ETSY_TOKEN`); the
    // operator may be `=`, `:`, `:=`, `::=`, `?=`, `.=`, `=>`, or Go's `var x string =`.
    const OP: &str = OPERATOR;
    let secret_assign = format!(
        r#"(?i)(?-u:\b)[a-z0-9_.\-]{{0,40}}?(?:secret|api_?key|apikey|access_?key|private_?key|token|credentials?|auth_?key)[a-z0-9_]{{0,20}}{OP}(?:"([^"\n]{{6,400}})"|'([^'\n]{{6,400}})'|([^\s"',;<>]{{6,400}}))"#
    );
    rules.push(
        Rule::new("secret_assignment", Secret, secret_assign, Needs::Literals(&["secret", "key", "token", "credential"]))
            .group(1)
            .check(Some(value_check(6, true))),
    );
    // XML/HTML-ish elements: `<apiToken>value</apiToken>`.
    rules.push(
        Rule::new(
            "secret_element",
            Secret,
            r#"(?i)<[a-z0-9_.:\-]{0,40}(?:secret|token|api_?key|apikey|password|passwd|credential)[a-z0-9_.\-]{0,20}>\s*([^<\s][^<]{4,400}?)\s*</"#,
            Needs::Literals(&["secret", "token", "key", "pass", "credential"]),
        )
        .group(1)
        .check(Some(value_check(6, true))),
    );
    // High-entropy values near secret-ish keywords with any separator (vendor long tail).
    let generic = r#"(?i-u)\b[a-z0-9_.\-]{0,40}(?:key|token|secret|auth|cred|passw|pwd|bearer|session|signature|api|private)[a-z0-9_.\-]{0,30}["']?\s*(?::=|=>|=|:|,|\s)\s*["'`]?([A-Za-z0-9_\-+/=.~]{12,400})"#;
    rules.push(
        Rule::new("keyword_high_entropy", Secret, generic, Needs::Literals(&["key", "token", "secret", "auth", "cred", "passw", "pwd", "bearer", "session", "signature", "api", "private"]))
            .group(1)
            .check(check(|v| high_entropy(v) && !is_placeholder(v)))
            .score(0.7),
    );
    rules
}

/// Validator for assignment values: long enough, not a placeholder; secrets must also not be
/// plain words (so that `token: refresh` in prose is not a finding).
pub(crate) fn value_check(min: usize, secretish: bool) -> Check {
    Box::new(move |c: &Candidate| {
        let end = param_end(c);
        let v = &c.text[c.start..end];
        if v.chars().count() < min || is_placeholder(v) {
            return None;
        }
        if secretish && v.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'-' || b == b' ') && validate::entropy(v) < 3.5 {
            return None;
        }
        Some((c.start, end))
    })
}

/// Where an unquoted value of a URL query parameter ends: at the next `&` or `#` (a value in
/// `?password=x&next=/home` is `x`, not `x&next=/home`). Other values end where they end.
pub(crate) fn param_end(c: &Candidate) -> usize {
    let v = c.value();
    let token_before = c.before(120).rsplit(|ch: char| ch.is_whitespace() || ch == '"' || ch == '\'').next().unwrap_or("");
    let in_query = token_before.contains('?') || token_before.contains('&') || token_before.contains("://");
    match v.find(['&', '#']) {
        Some(i) if in_query && !v.starts_with(['"', '\'']) => c.start + i,
        _ => c.end,
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::rules::testutil::*;
    use crate::detect::Entity::*;

    #[test]
    fn vendor_tokens() {
        for (text, value) in [
            ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
            ("key AIzaSyD-1234567890abcdefghijklmnopqrstu", "AIzaSyD-1234567890abcdefghijklmnopqrstu"),
            ("export GH=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"),
            ("glpat-xYz12345678901234567 is mine", "glpat-xYz12345678901234567"),
            ("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-123456789012"),
            ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
            ("OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyzABCDEF0123456789", "sk-proj-abcdefghij"),
            ("sk-ant-api03-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaAA", "sk-ant-api03-"),
            ("client 7Xq8Q~abcdefghijklmnopqrstuvwxyz012345", "7Xq8Q~abcdefghij"),
        ] {
            assert_found(text, Secret, value);
        }
    }

    #[test]
    fn jwt_and_pem() {
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        assert_found(&format!("Authorization: {jwt}"), Secret, jwt);
        assert_none("eyJhbGciOi.eyJzdWIiOiIx.abc", Secret);
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1\n-----END RSA PRIVATE KEY-----";
        assert_found(&format!("key:\n{pem}\nrest"), Secret, pem);
        // Truncated key (no END line): everything after BEGIN is taken.
        assert_found("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA", Secret, "b3BlbnNzaC1rZXktdjEAAAA");
    }

    #[test]
    fn assignments() {
        assert_found("DB_PASSWORD=hunter2!x", Password, "hunter2!x");
        assert_found(r#"{"password": "correct horse battery"}"#, Password, "correct horse battery");
        assert_found("password: 'Tr0ub4dor&3'", Password, "Tr0ub4dor&3");
        assert_found("client_secret = 'q8Zr2LpX0vB7nK4wq8Zr'", Secret, "q8Zr2LpX0vB7nK4wq8Zr");
        assert_found("curl -u admin:pa55word https://api.x.io", Password, "admin:pa55word");
        assert_found("Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l", Secret, "YWxhZGRpbjpvcGVuc2VzYW1l");
        assert_found("etsy_token = 'f3b9a8c7d6e5f4a3b2c1d0e9'", Secret, "f3b9a8c7d6e5f4a3b2c1d0e9");
        assert_none("password = os.environ['DB_PASSWORD']", Password);
        assert_none("Password: must be at least 8 characters", Password);
        assert_none("password = ${DB_PASSWORD}", Password);
        assert_none("api_key: your_api_key_here", Secret);
        assert_none("the session token expires after refresh", Secret);
        assert_found(r#"asanaToken="8649581620460897""#, Secret, "8649581620460897");
        assert_found(r#"jfrog_TOKEN ::= "m7cd5zn99t0kzy70twgtq3ku""#, Secret, "m7cd5zn99t0kzy70twgtq3ku");
        assert_found(r#"var ETSYToken string = "fiblf7fzfke0r2zhyt85e5l1""#, Secret, "fiblf7fzfke0r2zhyt85e5l1");
        assert_found("<atlassianToken>\n    94gepfrk1yd8clximnfz81a3\n</atlassianToken>", Secret, "94gepfrk1yd8clximnfz81a3");
        assert_found("dbPassword: hunter22", Password, "hunter22");
        assert_none("token: refresh", Secret);
        assert_none("<token>placeholder</token>", Secret);
        assert_found(r#"System.setProperty("KUCOIN_TOKEN", "650882da6d3b0b842b555885")"#, Secret, "650882da6d3b0b842b555885");
        assert_found(r#"<add key="ClearTextPassword" value="TestSourcePassword" />"#, Password, "TestSourcePassword");
        assert_found("curl --user kevin:'pRf7vG2h1L8nQkW9' -iX PATCH", Password, "pRf7vG2h1L8nQkW9");
        assert_found("curl -k -X POST https://h/x \\\n  -d 'world' \\\n  -u developer:yqDVtkqPECriaLRi", Password, "developer:yqDVtkqPECriaLRi");
        assert_found("export BUNDLE_ENTERPRISE__CONTRIBSYS__COM=cafebabe:deadbeef", Secret, "cafebabe:deadbeef");
        assert_found("sgp_local_d7dfFD43cF2503B1da673EB560aAa3e80f16FA42", Secret, "sgp_local_");
        assert_none(r#"log("token", "expired")"#, Secret);
        assert_none(r#"<add key="PasswordPolicy" value="strict" />"#, Password);
    }
}

import Testing
import XanhCore

/// Webhooks may not point into the server's own network unless the operator allows it.
@Suite struct WebhookTargetTests {
    @Test func privateLoopbackAndLinkLocalTargetsAreRefused() {
        for url in [
            "http://127.0.0.1:9/hook", "http://localhost/x", "https://10.1.2.3/", "http://172.16.0.1/", "http://172.31.255.255/",
            "http://192.168.1.10/a", "http://169.254.169.254/latest/meta-data", "http://0.0.0.0/", "http://[::1]/", "http://[fe80::1]/",
            "http://[fd00::5]/", "http://100.64.0.1/",
        ] {
            #expect(WebhookTarget.refusal(url, allowPrivate: false) != nil, "\(url) was allowed")
            #expect(WebhookTarget.refusal(url, allowPrivate: true) == nil, "\(url) refused although allowed")
        }
        for url in ["https://hooks.example.vn/xanh", "http://203.113.10.5/hook", "http://172.32.0.1/", "https://[2001:db8::1]/"] {
            #expect(WebhookTarget.refusal(url, allowPrivate: false) == nil, "\(url) was refused")
        }
        for url in ["ftp://example.vn/", "http://", "not a url"] { #expect(WebhookTarget.refusal(url, allowPrivate: true) != nil, "\(url)") }
    }

    @Test func theSettingParses() {
        var l = Limits()
        let s = Limits.settings.first { $0.flag == "allow-private-webhooks" }
        #expect(s?.set(&l, "true") == true && l.allowPrivateWebhooks)
        #expect(s?.set(&l, "maybe") == false && l.allowPrivateWebhooks)
        #expect(s?.set(&l, "0") == true && !l.allowPrivateWebhooks)
    }
}

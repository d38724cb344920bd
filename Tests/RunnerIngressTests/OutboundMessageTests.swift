import Foundation
import RunnerCore
import Testing

@testable import RunnerIngress

@Suite("Canonical replies")
struct OutboundMessageTests {
    @Test func collectsReplyTextsLikeTheOriginal() throws {
        let output = try JSONValue(parsing: #"[{"text":"hello"},{"messages":[{"text":"nested"},"raw"]},null,"world"]"#)
        #expect(OutboundMessage.replies(from: output).map(\.text) == ["hello", "nested", "raw", "world"])
    }

    @Test func readsButtonsAttachmentsAndFormat() throws {
        let output = try JSONValue(
            parsing: #"""
                {"text":"Pick one","parse_mode":"HTML",
                 "buttons":["Yes",{"title":"No","payload":"n"},{"id":"docs","title":"Docs","url":"https://example.com"},{"payload":"no title"}],
                 "attachments":[{"url":"https://example.com/a.png","mime":"image/png"},{"type":"file","url":"https://example.com/r.pdf","name":"r.pdf"},{"name":"no url"}]}
                """#
        )
        let replies = OutboundMessage.replies(from: output)
        #expect(
            replies == [
                OutboundMessage(
                    text: "Pick one",
                    buttons: [
                        .init(id: "Yes", title: "Yes", payload: "Yes"), .init(id: "n", title: "No", payload: "n"),
                        .init(id: "docs", title: "Docs", payload: "docs", url: "https://example.com"),
                    ],
                    attachments: [
                        .init(type: "image", url: "https://example.com/a.png", mime: "image/png"),
                        .init(type: "file", url: "https://example.com/r.pdf", name: "r.pdf"),
                    ],
                    format: "HTML"
                )
            ]
        )
    }

    @Test(arguments: [#"null"#, #"42"#, #"true"#, #"{"status":"done"}"#, #"{"buttons":[{"payload":"x"}]}"#, #"[]"#])
    func outputsWithoutRepliesGiveNone(_ json: String) throws {
        #expect(OutboundMessage.replies(from: try JSONValue(parsing: json)).isEmpty)
    }

    @Test func nestingIsBounded() throws {
        var value: JSONValue = "deep"
        for _ in 0..<40 { value = [value] }
        #expect(OutboundMessage.replies(from: value).isEmpty, "an output nested 40 deep is not walked to the bottom")
        var shallow: JSONValue = "ok"
        for _ in 0..<10 { shallow = [shallow] }
        #expect(OutboundMessage.replies(from: shallow) == [.text("ok")])
    }

    @Test func roundTripsThroughTheOutboxJSON() throws {
        let message = OutboundMessage(
            text: "hi",
            buttons: [.init(id: "a", title: "A", payload: "p", url: nil)],
            attachments: [.init(type: "image", url: "u", name: "n", mime: "image/png")],
            format: "MarkdownV2"
        )
        let json = try JSONValue(encoding: message)
        #expect(try json.decode(as: OutboundMessage.self) == message)
        #expect(try JSONValue(encoding: OutboundMessage.text("x")) == ["text": "x"], "defaults are not written")
        #expect(try JSONValue(encoding: OutboundMessage.acknowledgement) == ["kind": "acknowledgement"])
        #expect(try JSONValue(parsing: #"{"text":"legacy"}"#).decode(as: OutboundMessage.self) == .text("legacy"))
    }
}

@Suite("Form encoding")
struct FormEncodingTests {
    @Test func decodesFieldsAndEscapes() {
        let fields = FormEncoding.decode("payload=%7B%22a%22%3A%201%7D&empty=&flag&plus=a+b&bad=%zz%4&utf8=%C3%A9")
        #expect(fields["payload"] == #"{"a": 1}"#)
        #expect(fields["empty"] == "")
        #expect(fields["flag"] == "")
        #expect(fields["plus"] == "a b")
        #expect(fields["bad"] == "%zz%4", "invalid escapes are kept as written")
        #expect(fields["utf8"] == "é")
    }

    @Test func encodesPathSegments() {
        #expect(FormEncoding.percentEncodePathSegment("a:conv1") == "a%3Aconv1")
        #expect(FormEncoding.percentEncodePathSegment("19:x@thread.skype;messageid=1") == "19%3Ax%40thread.skype%3Bmessageid%3D1")
        #expect(FormEncoding.percentEncodePathSegment("safe-._~AZ09") == "safe-._~AZ09")
    }
}

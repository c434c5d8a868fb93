"""Server text that reaches the user's terminal cannot drive it."""

import unittest

from tora._errors import error_message, printable


class PrintableTest(unittest.TestCase):
    def test_terminal_escapes_become_visible(self):
        hostile = "name \x1b]0;pwned\x07 \x1b]52;c;aGk=\x07 \x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\ \x9b2J"
        shown = printable(hostile)
        for raw in ("\x1b", "\x07", "\x9b"):
            self.assertNotIn(raw, shown)
        self.assertIn("\\x1b]0;pwned\\x07", shown)
        self.assertIn("\\x9b2J", shown)

    def test_bidi_overrides_and_separators_become_visible(self):
        self.assertEqual(printable("a\u202eb\u2066c\u2028d"), "a\\u202eb\\u2066c\\u2028d")

    def test_ordinary_text_is_unchanged(self):
        text = "val/loss must be finite — 损失 🙂 (step 3)"
        self.assertEqual(printable(text), text)

    def test_error_envelope_messages_and_fields_are_escaped(self):
        body = {"error": {"code": "VALIDATION_ERROR", "message": "bad \x1b[31mred", "fields": {"name\x1b": ["x\x07"]}}}
        message = error_message(body, "fallback")
        self.assertNotIn("\x1b", message)
        self.assertNotIn("\x07", message)
        self.assertIn("bad \\x1b[31mred", message)

    def test_fallback_text_is_escaped(self):
        self.assertEqual(error_message(None, "<html>\x1b[2J"), "<html>\\x1b[2J")


if __name__ == "__main__":
    unittest.main()

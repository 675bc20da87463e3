"""Unit tests of merge.py: how two generations of one message combine, and what is refused.
Run by ctest as unit_codegen (python3 -m unittest discover -s tools/codegen)."""

import unittest

from merge import MergeError, merge_message, normalise


def message(valid, fields, flexible="none", **extra):
    return dict({"type": "request", "apiKey": 99, "name": "DemoRequest", "validVersions": valid,
                 "flexibleVersions": flexible, "fields": fields}, **extra)


def field(name, versions, type_="int32", **extra):
    return dict({"name": name, "type": type_, "versions": versions}, **extra)


class MergeTest(unittest.TestCase):
    def test_versions_are_the_union_and_old_only_fields_keep_their_place(self):
        old = message("0-3", [field("A", "0+"), field("Gone", "0"), field("B", "1+")])
        new = message("2-5", [field("A", "0+"), field("B", "1+"), field("C", "5+")])
        merged = merge_message(old, new)
        self.assertEqual(merged["validVersions"], set(range(0, 6)))
        self.assertEqual([f["name"] for f in merged["fields"]], ["A", "Gone", "B", "C"])
        self.assertEqual(merged["fields"][1]["versions"], {0})
        self.assertEqual(merged["fields"][2]["versions"], set(range(1, 6)))

    def test_a_field_renamed_in_place_is_one_field_under_the_new_name(self):
        old = message("0-4", [field("GenerationId", "3+")])
        new = message("0-6", [field("GenerationIdOrMemberEpoch", "3+")])
        merged = merge_message(old, new)
        self.assertEqual([f["name"] for f in merged["fields"]], ["GenerationIdOrMemberEpoch"])
        self.assertEqual(merged["fields"][0]["versions"], set(range(3, 7)))

    def test_a_field_removed_from_a_shared_version_without_a_rename_is_refused(self):
        old = message("0-4", [field("A", "0+"), field("B", "0+")])
        new = message("0-6", [field("A", "0+")])
        with self.assertRaises(MergeError):
            merge_message(old, new)

    def test_a_changed_type_or_tag_is_refused(self):
        with self.assertRaises(MergeError):
            merge_message(message("0-1", [field("A", "0+")]),
                          message("0-2", [field("A", "0+", "int64")]))
        with self.assertRaises(MergeError):
            merge_message(message("0-1", [field("A", "0+", tag=0, taggedVersions="0+")], "0+"),
                          message("0-2", [field("A", "0+", tag=1, taggedVersions="0+")], "0+"))

    def test_different_encodings_of_a_shared_version_are_refused(self):
        with self.assertRaises(MergeError):
            merge_message(message("0-3", [field("A", "0+")], "2+"),
                          message("1-4", [field("A", "0+")], "3+"))
        with self.assertRaises(MergeError):
            merge_message(message("0-3", [field("A", "0+", "string")]),
                          message("1-4", [field("A", "0+", "string", nullableVersions="1+")]))

    def test_an_unstable_old_top_version_is_not_taken(self):
        old = message("0", [field("A", "0+")], latestVersionUnstable=True)
        new = message("1-2", [field("A", "0+"), field("B", "0")])
        merged = merge_message(old, new, old_unstable=True)
        self.assertEqual(merged["validVersions"], "1-2")
        self.assertEqual([f["name"] for f in merged["fields"]], ["A"])

    def test_an_api_the_newer_file_dropped_keeps_the_older_schema(self):
        old = message("0-7", [field("A", "0+")])
        new = message("none", [])
        self.assertEqual(merge_message(old, new), old)

    def test_coordinator_keys_take_their_record_type_as_version(self):
        key = {"type": "coordinator-key", "apiKey": 16, "name": "DemoKey", "validVersions": "0",
               "flexibleVersions": "none", "fields": [field("GroupId", "0", "string")]}
        out = normalise(key)
        self.assertEqual((out["type"], out["validVersions"]), ("data", "16"))
        self.assertEqual(out["fields"][0]["versions"], "16")

    def test_tagged_fields_without_versions_take_their_tagged_versions(self):
        value = {"type": "coordinator-value", "apiKey": 0, "name": "DemoValue",
                 "validVersions": "0-1", "flexibleVersions": "1+",
                 "fields": [{"name": "T", "type": "int64", "taggedVersions": "1+", "tag": 0}]}
        self.assertEqual(normalise(value)["fields"][0]["versions"], "1+")


if __name__ == "__main__":
    unittest.main()

"""Inside a snapshot: browse, find, diff, view and extract its files without downloading it.

The zip directory sits at the archive's end: it is read with one or two ranged requests
and kept on disk per (resource, version); each file then costs one request. Start with
:class:`SnapshotContents` (one snapshot) or :class:`ResourceContents` (all versions).
"""

from sqtui.domain.contents.cache import DirectoryCache
from sqtui.domain.contents.diff import Change, DirectoryDiff, TextDiff, diff, is_binary, text_diff
from sqtui.domain.contents.entry import Directory, Entry
from sqtui.domain.contents.errors import ContentsError, Reason
from sqtui.domain.contents.extract import Extracted, ExtractResult
from sqtui.domain.contents.find import Finding, FindResult, Occurrence, find_in
from sqtui.domain.contents.member_paths import Skipped, UnsafePath, safe_member_path, select
from sqtui.domain.contents.pattern import path_matcher
from sqtui.domain.contents.progress import WorkProgress
from sqtui.domain.contents.remote_zip import RemoteZip
from sqtui.domain.contents.snapshot_contents import (
    ResourceContents,
    SnapshotContents,
    diff_member,
    diff_versions,
)
from sqtui.domain.contents.tree import Folder, build_tree, filter_tree
from sqtui.domain.contents.verify import Problem, VerifyResult

__all__ = [
    "Change",
    "ContentsError",
    "Directory",
    "DirectoryCache",
    "DirectoryDiff",
    "Entry",
    "ExtractResult",
    "Extracted",
    "FindResult",
    "Finding",
    "Folder",
    "Occurrence",
    "Problem",
    "Reason",
    "RemoteZip",
    "ResourceContents",
    "Skipped",
    "SnapshotContents",
    "TextDiff",
    "UnsafePath",
    "VerifyResult",
    "WorkProgress",
    "build_tree",
    "diff",
    "diff_member",
    "diff_versions",
    "filter_tree",
    "find_in",
    "is_binary",
    "path_matcher",
    "safe_member_path",
    "select",
    "text_diff",
]

"""Contracts of the blog module. Its tables carry the `blog__` prefix."""

from typing import TypedDict

from typedb.contracts import Generated, SoftDeleteTable, TimestampTable


class BlogPostsTable(TimestampTable, SoftDeleteTable):
    id: Generated[int]
    author_id: int
    title: str
    body: str | None
    published: Generated[bool]  # NOT NULL DEFAULT false
    slug: str | None


class Database(TypedDict):
    blog__posts: BlogPostsTable

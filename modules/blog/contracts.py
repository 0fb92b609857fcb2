"""Contracts of the blog module. Its tables carry the `blog__` prefix."""

from typing import Annotated, TypedDict

from typedb.contracts import Column, Generated, Index, SoftDeleteTable, Table, TimestampTable


class BlogPostsTable(TimestampTable, SoftDeleteTable):
    id: Generated[int]
    author_id: Annotated[int, Column(references="users.id", on_delete="cascade")]
    title: str
    body: str | None
    published: Generated[bool]  # NOT NULL DEFAULT false
    slug: Annotated[str | None, Column(type="varchar(200)")]


class Database(TypedDict):
    blog__posts: Annotated[
        BlogPostsTable,
        Table(indexes=[Index("blog__posts_slug_unique", ["slug"], unique=True)]),
    ]

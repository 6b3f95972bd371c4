"""Plausible text to cut files from: source code per language, JSON rows, log lines.

Each corpus is built once per process from templates and a fixed pseudo-random stream
(independent of the seed: what differs between files is which lines they take), with
the offset of every line start, so a file made of lines ``[first, first + count)`` has a
size known without building it. A megabyte of random bytes serves the binary files.
"""

from __future__ import annotations

import functools
import hashlib
import random
from array import array
from dataclasses import dataclass

WORDS = (
    "account", "audit", "billing", "cache", "cart", "channel", "checkout", "client",
    "config", "coupon", "customer", "dispatch", "email", "event", "export", "feed",
    "gateway", "guild", "health", "image", "import", "inventory", "invoice", "job",
    "ledger", "limit", "member", "message", "metric", "notify", "order", "payment",
    "plan", "poll", "price", "profile", "queue", "quota", "rate", "receipt", "refund",
    "report", "request", "retry", "role", "route", "schedule", "search", "session",
    "settings", "shipment", "signup", "stock", "store", "stream", "sync", "task",
    "tenant", "ticket", "token", "upload", "user", "webhook", "worker",
)  # fmt: skip
"""64 words: file names and identifiers are made of them."""

_BLOCKS: dict[str, tuple[str, ...]] = {
    "python": (
        "async def {a}_{b}(request, {c}_id: int) -> dict:\n"
        '    """Return the {b} of a {a}."""\n'
        "    {c} = await db.fetch_one({A}.select().where({A}.id == {c}_id))\n"
        "    if {c} is None:\n"
        '        raise NotFound(f"{a} {{{c}_id}} not found")\n'
        '    return {{"id": {c}.id, "{b}": {c}.{b}, "count": {n}}}\n\n\n',
        "class {A}{B}Service:\n"
        '    """Keeps {a} and {b} in step."""\n\n'
        "    def __init__(self, store: Store, retries: int = {n}) -> None:\n"
        "        self.store = store\n"
        "        self.retries = retries\n\n"
        "    def {c}(self, key: str) -> {B} | None:\n"
        '        return self.store.get(f"{a}:{{key}}")\n\n\n',
        '@router.post("/{a}/{{item_id}}/{b}")\n'
        "async def post_{b}(item_id: int, body: {B}In) -> {B}Out:\n"
        '    log.info("{a} %s: {b} requested", item_id)\n'
        "    result = await {c}_client.send(item_id, body.model_dump())\n"
        "    return {B}Out.model_validate(result)\n\n\n",
        "{A}_TIMEOUT_SECONDS = {n}\n{B}_BATCH_SIZE = {m}\n\n",
    ),
    "javascript": (
        "async function {a}{B}(req, res) {{\n"
        "  const {c} = await db.{a}.findUnique({{ where: {{ id: req.params.id }} }});\n"
        "  if (!{c}) return res.status(404).json({{ error: '{a} not found' }});\n"
        "  res.json({{ id: {c}.id, {b}: {c}.{b}, total: {n} }});\n}}\n\n",
        "client.on('{a}Create', async ({c}) => {{\n"
        "  if ({c}.author?.bot) return;\n"
        "  await queue.add('{b}', {{ id: {c}.id, retries: {n} }});\n}});\n\n",
        "const {A}_LIMIT = {m};\nmodule.exports.{a}{B} = {a}{B};\n\n",
    ),
    "go": (
        "func (s *{A}Service) {B}(ctx context.Context, id int64) (*{B}, error) {{\n"
        "\tvar out {B}\n"
        "\trow := s.db.QueryRowContext(ctx, query{B}, id)\n"
        "\tif err := row.Scan(&out.ID, &out.{C}); err != nil {{\n"
        '\t\treturn nil, fmt.Errorf("{a} %d: %w", id, err)\n'
        "\t}}\n\treturn &out, nil\n}}\n\n",
        'type {A}{B} struct {{\n\tID    int64  `json:"id"`\n'
        '\t{C}  string `json:"{c}"`\n\tCount int    `json:"count"`\n}}\n\n',
        "const {a}{B}Limit = {m}\n\n",
    ),
    "rust": (
        "pub async fn {a}_{b}(pool: &PgPool, id: i64) -> Result<{B}, Error> {{\n"
        '    let row = sqlx::query_as::<_, {B}>("SELECT * FROM {a} WHERE id = $1")\n'
        "        .bind(id)\n        .fetch_one(pool)\n        .await?;\n    Ok(row)\n}}\n\n",
        "#[derive(Debug, Clone, Serialize, Deserialize)]\npub struct {A}{B} {{\n"
        "    pub id: i64,\n    pub {c}: String,\n    pub retries: u32,\n}}\n\n",
        "const {A}_{B}_LIMIT: usize = {m};\n\n",
    ),
    "java": (
        "    public Optional<{B}> find{B}(long {a}Id) {{\n"
        "        return repository.findById({a}Id)\n"
        "            .map(entity -> new {B}(entity.getId(), entity.get{C}()));\n    }}\n\n",
        '    @PostMapping("/{a}/{{id}}/{b}")\n'
        "    public ResponseEntity<{B}> {b}(@PathVariable long id) {{\n"
        '        log.info("{a} {{}}: {b}", id);\n'
        "        return ResponseEntity.ok({c}Service.{b}(id, {n}));\n    }}\n\n",
        "    private static final int {A}_LIMIT = {m};\n\n",
    ),
    "elixir": (
        "  def {a}_{b}(%{A}{{id: id}} = {c}, attrs) do\n"
        "    {c}\n    |> {A}.changeset(attrs)\n    |> Repo.update()\n"
        '    |> tap(fn _ -> Logger.info("{a} #{{id}} {b}") end)\n  end\n\n',
        "  def handle_info(:{b}, state) do\n"
        "    Process.send_after(self(), :{b}, {m})\n"
        "    {{:noreply, %{{state | {c}: state.{c} + {n}}}}}\n  end\n\n",
        "  @{a}_limit {m}\n\n",
    ),
    "php": (
        "    public function {a}{B}(Request $request, int $id): JsonResponse\n    {{\n"
        "        ${c} = {A}::findOrFail($id);\n"
        "        return response()->json(['id' => ${c}->id, '{b}' => ${c}->{b}]);\n    }}\n\n",
        "    private const {A}_LIMIT = {m};\n\n",
    ),
    "json": (
        '  {{"id": {m}, "{a}": "{b}-{n}", "{c}": {n}, "active": true}},\n',
        '  {{"id": {m}, "{a}": "{c}", "tags": ["{b}", "{c}"], "score": {n}.{n}}},\n',
    ),
    "log": (
        "{h:02d}:{mi:02d}:{s:02d}.{n:03d} INFO  [{a}] {b} done in {m}ms\n",
        "{h:02d}:{mi:02d}:{s:02d}.{n:03d} INFO  [{a}] GET /{a}/{m}/{b} 200 {n}ms\n",
        "{h:02d}:{mi:02d}:{s:02d}.{n:03d} WARN  [{a}] {b} slow: {m}ms (limit {n}ms)\n",
        "{h:02d}:{mi:02d}:{s:02d}.{n:03d} DEBUG [{c}] cache hit {a}:{m}\n",
        "{h:02d}:{mi:02d}:{s:02d}.{n:03d} ERROR [{a}] {b} failed: timeout after {n}s\n",
    ),
}
_BLOCKS["typescript"] = tuple(
    block.replace("(req, res)", "(req: Request, res: Response)").replace(
        "async ({c}) =>", "async ({c}: Message) =>"
    )
    for block in _BLOCKS["javascript"]
)
_CORPUS_BYTES = 160 * 1024
BLOB_SIZE = 1 << 20


@dataclass(frozen=True)
class Corpus:
    """Text and the offset of each line's start (plus one past the end)."""

    text: bytes
    starts: array[int]
    lines: int
    """How many lines the corpus holds."""

    def span(self, first: int, count: int) -> int:
        """Bytes in lines ``[first, first + count)``."""
        return self.starts[first + count] - self.starts[first]

    def cut(self, first: int, count: int) -> memoryview:
        """Lines ``[first, first + count)``, without copying."""
        return memoryview(self.text)[self.starts[first] : self.starts[first + count]]


def _fill(template: str, rng: random.Random) -> str:
    a, b, c = (WORDS[rng.randrange(len(WORDS))] for _ in range(3))
    return template.format(
        a=a,
        b=b,
        c=c,
        A=a.capitalize(),
        B=b.capitalize(),
        C=c.capitalize(),
        n=rng.randrange(1, 1000),
        m=rng.randrange(1000, 100_000),
        h=rng.randrange(24),
        mi=rng.randrange(60),
        s=rng.randrange(60),
    )


@functools.cache
def corpus(flavour: str) -> Corpus:
    """The corpus of a language (``python``, ``go``...), ``json`` rows or ``log`` lines."""
    blocks = _BLOCKS.get(flavour, _BLOCKS["python"])
    # Deterministic filler text, not a secret: a seeded PRNG is what is wanted.
    rng = random.Random(f"sqtui-sim-corpus:{flavour}")  # noqa: S311
    parts: list[str] = []
    size = 0
    while size < _CORPUS_BYTES:
        part = _fill(blocks[rng.randrange(len(blocks))], rng)
        parts.append(part)
        size += len(part)
    text = "".join(parts).encode()
    starts = array("q", [0])
    position = text.find(b"\n")
    while position != -1:
        starts.append(position + 1)
        position = text.find(b"\n", position + 1)
    return Corpus(text, starts, len(starts) - 1)


@functools.cache
def blob() -> bytes:
    """A megabyte of random bytes that binary files are cut from."""
    return hashlib.shake_256(b"sqtui-sim-blob").digest(BLOB_SIZE)

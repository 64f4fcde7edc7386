"""Reviews typed in by hand and imported from CSV files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Business
from reputation.csv_import import MAX_UPLOAD_BYTES
from reputation.models import Review, ReviewSource
from reputation.providerserver import SiteReview
from reputation.sources.services import source_archive, source_create
from reputation.tasks import poll_source
from tests.reputation.conftest import SITE_IDS, SITE_SECRETS

ADD = "/reviews/sources/add-review/"
IMPORT = "/reviews/sources/import/"


@pytest.fixture
def facebook(business_a):
    Business.objects.filter(pk=business_a.pk).update(time_zone="Europe/Paris")
    business_a.refresh_from_db()
    return source_create(business=business_a, provider="manual", values={"name": "Facebook"})


def upload(client, source, content: bytes, name: str = "reviews.csv"):
    file = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(IMPORT, {"source": str(source.uuid), "file": file})


def errors_of(reply) -> list[str]:
    return list(reply.context["form"].errors.get("file", []))


class TestManualEntry:
    def test_it_stores_a_review_as_typed(self, facebook, alice, client_of):
        body = {"source": str(facebook.uuid), "author": "Zoé <b>", "rating": "2",
                "date": "2026-01-15", "title": "Slow", "text": "  Cold <i>soup</i> & rude\n",
                "url": "https://facebook.com/r/1"}  # fmt: skip
        reply = client_of(alice).post(ADD, body)
        assert reply.status_code == 302, reply.content.decode()
        review = Review.objects.get(source=facebook)
        assert review.external_id.startswith("manual-") and len(review.external_id) == 43
        assert review.text == "  Cold <i>soup</i> & rude\n" and review.author_name == "Zoé <b>"
        assert review.rating == 2 and review.url == "https://facebook.com/r/1"
        assert review.created_at == datetime(2026, 1, 14, 23, 0, tzinfo=UTC)  # Paris midnight
        assert review.location_id == facebook.location_id

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"date": "2999-01-01"}, "date"),
            ({"date": "15/01/2026"}, "date"),
            ({"date": "0001-01-01"}, "date"),
            ({"rating": "6"}, "rating"),
            ({"text": "", "rating": ""}, "text"),
            ({"url": "javascript:alert(1)"}, "url"),
            ({"source": "not-a-uuid"}, "source"),
        ],
    )
    def test_bad_input_names_the_field(self, changes, field, facebook, alice, client_of):
        body = {"source": str(facebook.uuid), "date": "2026-01-15", "text": "Fine", **changes}
        reply = client_of(alice).post(ADD, body)
        assert reply.status_code == 400 and field in reply.context["form"].errors
        assert not Review.objects.exists()

    def test_today_is_not_the_future(self, facebook, alice, client_of):
        today = timezone.localdate(timezone=ZoneInfo("Europe/Paris"))
        body = {"source": str(facebook.uuid), "date": today.isoformat(), "rating": "5"}
        assert client_of(alice).post(ADD, body).status_code == 302

    def test_archived_and_other_businesses_sources_are_refused(
        self, facebook, business_b, charlie, alice, client_of
    ):
        theirs = source_create(business=business_b, provider="manual", values={"name": "Theirs"})
        body = {"source": str(theirs.uuid), "date": "2026-01-15", "text": "x"}
        assert client_of(alice).post(ADD, body).status_code == 400
        mine = {**body, "source": str(facebook.uuid)}
        assert client_of(charlie).post(ADD, mine).status_code == 400
        source_archive(source=facebook)
        assert client_of(alice).post(ADD, mine).status_code == 400
        assert not Review.objects.exists()

    def test_the_pages_render(self, facebook, alice, client_of):
        client = client_of(alice)
        add = client.get(ADD, {"source": str(facebook.uuid)})
        assert add.status_code == 200 and add.context["form"]["source"].value() == str(
            facebook.uuid
        )
        assert client.get(IMPORT).status_code == 200

    def test_staff_get_403(self, facebook, bob, client_of):
        body = {"source": str(facebook.uuid), "date": "2026-01-15", "text": "x"}
        assert client_of(bob).post(ADD, body).status_code == 403


GOOD = (
    "Author;Rating;Date;Title;Text;URL\n"
    'Ann;5;2026-01-10;Great;"Lovely, really\nlovely";https://example.com/1\n'
    "Bob;;2026-01-11T18:30:00+01:00;;Meh <script>x</script>;\n"
    "Cy;1;2026-01-12 09:15;;;\n"
)


class TestCsvImport:
    def test_it_imports_every_row_and_twice_adds_nothing(self, facebook, alice, client_of):
        client = client_of(alice)
        content = "\ufeff".encode() + GOOD.encode()  # Excel's BOM
        reply = upload(client, facebook, content)
        assert reply.status_code == 302, errors_of(reply) if reply.status_code == 400 else ""
        reviews = {r.author_name: r for r in Review.objects.filter(source=facebook)}
        assert set(reviews) == {"Ann", "Bob", "Cy"}
        assert reviews["Ann"].text == "Lovely, really\nlovely" and reviews["Ann"].rating == 5
        assert reviews["Bob"].rating is None and reviews["Bob"].text == "Meh <script>x</script>"
        assert reviews["Bob"].created_at == datetime(2026, 1, 11, 17, 30, tzinfo=UTC)
        assert reviews["Cy"].created_at == datetime(2026, 1, 12, 8, 15, tzinfo=UTC)  # Paris
        assert reviews["Ann"].created_at == datetime(2026, 1, 9, 23, 0, tzinfo=UTC)
        again = upload(client, facebook, GOOD.encode())
        assert again.status_code == 302 and Review.objects.count() == 3
        page = client.get(again.url).content.decode()
        assert "0 reviews imported; 3 were already there." in page

    def test_the_id_column_is_the_reviews_id(self, facebook, alice, client_of):
        content = b"ID,date,rating\nfb-1,2026-01-01,4\nfb-2,2026-01-02,3\n"
        assert upload(client_of(alice), facebook, content).status_code == 302
        assert set(Review.objects.values_list("external_id", flat=True)) == {"fb-1", "fb-2"}

    def test_one_bad_row_imports_nothing_and_names_rows_and_columns(
        self, facebook, alice, client_of
    ):
        future = (timezone.now() + timedelta(days=3)).date().isoformat()
        content = (
            "date,rating,text,url\n"
            "2026-01-01,4,fine,\n"
            "05/03/2024,4,day first?,\n"
            "2026-01-02,7,too many stars,\n"
            f"{future},3,from the future,\n"
            "2026-01-03,,,\n"
            "2026-01-04,2,bad link,ftp://x\n"
            "2026-01-01,4,fine,\n"
        ).encode()
        reply = upload(client_of(alice), facebook, content)
        assert reply.status_code == 400
        errors = errors_of(reply)
        assert errors[0] == "Nothing was imported: 6 rows need fixing."
        assert any(e.startswith("Row 3, date:") and "YYYY-MM-DD" in e for e in errors)
        assert any(e.startswith("Row 4, rating:") for e in errors)
        assert any(e.startswith("Row 5, date:") and "future" in e for e in errors)
        assert any(e.startswith("Row 6, text:") for e in errors)
        assert any(e.startswith("Row 7, url:") for e in errors)
        assert any(e.startswith("Row 8, text:") and "row 2" in e for e in errors)
        assert not Review.objects.exists()

    @pytest.mark.parametrize(
        ("content", "words"),
        [
            (b"author,text\nAnn,hi\n", "needs a \u201cdate\u201d column"),
            (b"date,author\n2026-01-01,Ann\n", "\u201ctext\u201d or a \u201crating\u201d"),
            (b"date,date,text\n", "The first line must name each column once."),
            (b"date,DATE,text\n2026-01-01,2026-01-01,x\n", "appears twice"),
            ("date,text\n2026-01-01,caf\u00e9\n".encode("cp1252"), "not UTF-8"),
            (b"", "empty"),
            (b"date,text\n", "no reviews"),
            (b"\x00\x01\x02binary", "binary"),
            (b"date,text\n0001-01-01,x\n", "too long ago"),
            (b"date,text\n9999-12-31T23:59:59-12:00,x\n", "in the future"),
            (b"date,text\n2026-02-30,x\n", "not a date we read"),
            (b'"' + b"d" * 200_000 + b'",text\n', "column names"),
        ],
    )
    def test_files_it_cannot_read_are_refused_plainly(
        self, content, words, facebook, alice, client_of
    ):
        reply = upload(client_of(alice), facebook, content)
        assert reply.status_code == 400
        assert any(words in e for e in errors_of(reply)), errors_of(reply)
        assert not Review.objects.exists()

    def test_it_caps_the_size(self, facebook, alice, client_of):
        content = b"date,text\n" + b"2026-01-01," + b"x" * MAX_UPLOAD_BYTES + b"\n"
        reply = upload(client_of(alice), facebook, content)
        assert reply.status_code == 400 and "5 MB" in errors_of(reply)[0]

    def test_semicolons_and_tabs_are_sniffed(self, facebook, alice, client_of):
        content = b"date\ttext\trating\n2026-01-01\tgood\t5\n"
        assert upload(client_of(alice), facebook, content).status_code == 302
        assert Review.objects.get().text == "good"

    def test_it_imports_into_a_polled_source_too(self, business_a, alice, client_of):
        yelp = source_create(
            business=business_a, provider="yelp",
            values={"name": "Yelp", "external_id": "cafe"}, secrets={"api_key": "k" * 20},
        )  # fmt: skip
        assert upload(client_of(alice), yelp, b"date,text\n2026-01-01,old one\n").status_code == 302
        assert Review.objects.get().source == yelp

    def test_outsiders_and_staff_cannot_import(self, facebook, charlie, business_b, bob, client_of):
        assert upload(client_of(charlie), facebook, GOOD.encode()).status_code == 400
        assert upload(client_of(bob), facebook, GOOD.encode()).status_code == 403
        assert not Review.objects.exists()


class TestEnteredIntoAPolledSource:
    def test_typed_and_imported_reviews_survive_the_sites_complete_walk(
        self, business_a, alice, client_of, provider_server
    ):
        """The site never lists them: a walk of the whole listing must not take them for
        reviews deleted on the site (it still notices the site's own deletions)."""
        site = [SiteReview(f"g{n}", 5, f"Great {n}", created=timezone.now()) for n in range(3)]
        provider_server.put_reviews("google", SITE_IDS["google"], site)
        google = source_create(
            business=business_a, provider="google",
            values={"name": "Google", "external_id": SITE_IDS["google"],
                    "base_url": provider_server.url},
            secrets=SITE_SECRETS["google"],
        )  # fmt: skip
        assert poll_source.apply(args=[google.pk]).get().startswith("ok: 3 new")
        client = client_of(alice)
        body = {"source": str(google.uuid), "date": "2026-01-15", "rating": "2", "text": "Slow"}
        assert client.post(ADD, body).status_code == 302
        assert upload(client, google, GOOD.encode()).status_code == 302
        assert Review.objects.filter(source=google, entered_by_hand=True).count() == 4
        provider_server.put_reviews("google", SITE_IDS["google"], site[1:])  # g0 deleted there
        ReviewSource.objects.filter(pk=google.pk).update(
            cursor={}, next_poll_at=timezone.now()
        )  # a complete walk is due
        assert "1 deleted" in poll_source.apply(args=[google.pk]).get()
        gone = Review.objects.exclude(deleted_at=None)
        assert list(gone.values_list("external_id", flat=True)) == ["g0"]
        assert Review.objects.filter(source=google, deleted_at=None).count() == 6

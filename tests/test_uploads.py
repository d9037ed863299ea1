"""Uploads are checked by size and by content, never trusted by their name."""

from __future__ import annotations

import io

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.core.uploads import validate_upload

REGISTRY = {"xlsx", "xls", "csv"}


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def test_messages_are_chinese_by_default():
    with pytest.raises(ValidationError, match="文件是空的"):
        from django.utils import translation

        with translation.override("zh-hans"):
            validate_upload(SimpleUploadedFile("a.csv", b""), kinds=REGISTRY)


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    workbook.add_worksheet().write(0, 0, "户编号")
    workbook.close()
    return buffer.getvalue()


def test_an_xlsx_and_a_csv_are_accepted():
    assert validate_upload(SimpleUploadedFile("a.xlsx", xlsx_bytes()), kinds=REGISTRY) == "xlsx"
    assert validate_upload(SimpleUploadedFile("a.csv", "户编号,姓名\n".encode()), kinds=REGISTRY) == "csv"


def test_random_bytes_named_xlsx_are_refused():
    with pytest.raises(ValidationError, match="not accepted"):
        validate_upload(SimpleUploadedFile("a.xlsx", b"\x00\x01garbage" * 10), kinds=REGISTRY)


def test_a_workbook_named_csv_is_refused_for_its_mismatch():
    with pytest.raises(ValidationError, match="content is xlsx"):
        validate_upload(SimpleUploadedFile("a.csv", xlsx_bytes()), kinds=REGISTRY)


def test_a_binary_file_named_csv_is_refused():
    with pytest.raises(ValidationError, match="not accepted"):
        validate_upload(SimpleUploadedFile("a.csv", b"a,b\x00c"), kinds=REGISTRY)


def test_a_file_over_the_limit_and_an_empty_file_are_refused(settings):
    settings.MAX_UPLOAD_BYTES = 1024
    with pytest.raises(ValidationError, match="larger than"):
        validate_upload(SimpleUploadedFile("a.csv", b"x" * 2048), kinds=REGISTRY)
    with pytest.raises(ValidationError, match="empty"):
        validate_upload(SimpleUploadedFile("a.csv", b""), kinds=REGISTRY)


def test_a_pdf_is_not_a_registry_file():
    with pytest.raises(ValidationError, match="not accepted"):
        validate_upload(SimpleUploadedFile("a.pdf", b"%PDF-1.7 ..."), kinds=REGISTRY)


def test_a_photo_named_jpeg_is_a_jpg():
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 60
    assert validate_upload(SimpleUploadedFile("IMG_0001.JPEG", jpeg), kinds={"jpg", "png"}) == "jpg"
    with pytest.raises(ValidationError, match="content is jpg"):
        validate_upload(SimpleUploadedFile("IMG_0001.png", jpeg), kinds={"jpg", "png"})

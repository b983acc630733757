from bot.knowledge.models import DocumentMeta, Hit


def _hit(section_path: list[str], title: str = "关于加快构建高质量就业服务体系的意见") -> Hit:
    return Hit(
        chunk_id="c",
        doc_id="d",
        text="……",
        title=title,
        section_path=section_path,
        source="x.docx",
        meta=DocumentMeta(title=title),
        score=1.0,
    )


def test_citation_section_leaves_out_the_title_root() -> None:
    hit = _hit(
        ["关于加快构建高质量就业服务体系的意见", "五、完善帮扶援助体系", "（十一）健全困难帮扶机制"]
    )
    assert hit.section == "五、完善帮扶援助体系 / （十一）健全困难帮扶机制"


def test_citation_section_keeps_a_root_that_is_not_the_title() -> None:
    hit = _hit(["一、总体要求", "（一）指导思想"])
    assert hit.section == "一、总体要求 / （一）指导思想"
    assert _hit([]).section == ""

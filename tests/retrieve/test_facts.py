from vertical.retrieve.facts import load_graph_facts

EX = "http://example.org/fin/"


def test_the_facts_of_a_question_are_about_its_entities_with_their_triples(finance_knowledge_dir):
    facts = load_graph_facts(finance_knowledge_dir)
    assert facts is not None
    assert facts.entities_in("Where is Acme Bank based, and is it on Nasdaq?") == [
        EX + "AcmeBank",
        EX + "Nasdaq",
    ]
    found = facts.facts("Where is Acme Bank based?", limit=10)
    assert found and all(f.subject == EX + "AcmeBank" for f in found)
    headquarters = [f for f in found if f.predicate == EX + "headquarters"]
    assert headquarters[0].object == EX + "Shanghai"
    assert headquarters[0].sentence == "Acme Bank headquarters Shanghai."
    assert len(facts.facts("Where is Acme Bank based?", limit=2)) == 2
    assert facts.facts("nothing the graph knows", limit=5) == []

#!/usr/bin/python3
"""Prints a CloudFormation YAML template as JSON, with the short-form tags
(!Ref, !Sub, !GetAtt, ...) turned into their long forms ({"Ref": ...},
{"Fn::Sub": ...}, {"Fn::GetAtt": [resource, attribute]}), so the template test
can assert properties without a YAML parser in C++."""
import json
import sys

import yaml


class CfnLoader(yaml.SafeLoader):
    pass


def _constructor(tag):
    key = "Ref" if tag == "Ref" else "Condition" if tag == "Condition" else "Fn::" + tag

    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if tag == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {key: value}

    return construct


for _tag in ("Ref", "Sub", "GetAtt", "Join", "If", "Select", "Split", "Equals", "Not", "And", "Or",
             "FindInMap", "Base64", "GetAZs", "ImportValue", "Cidr", "Condition", "Transform", "Contains"):
    CfnLoader.add_constructor("!" + _tag, _constructor(_tag))


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = yaml.load(f, Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass
    json.dump(doc, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()

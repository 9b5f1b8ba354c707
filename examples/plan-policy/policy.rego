# Policy checks on a plan saved by `tenantctl plan --out plan.json`, for Conftest (or OPA itself):
#
#   conftest test plan.json -p examples/plan-policy
#
# The plan's fields are described by schemas/plan.schema.json (formatVersion 2); see README.md.
# Rego v1 syntax (OPA 1.0 and later; Conftest 0.56 and later).
package main

import rego.v1

# The most principals one plan may take licenses from before a second review is needed.
max_license_removals := 3

# The domains new accounts may be created in (not the tenant's onmicrosoft.com domain, say).
allowed_domains := {"contoso.com"}

# These rules read formatVersion 2: refuse anything else rather than check it wrongly.
deny contains msg if {
	input.formatVersion != 2
	msg := sprintf("the plan has formatVersion %v; these rules read formatVersion 2 (schemas/plan.schema.json)", [input.formatVersion])
}

# The principals the plan removes licenses from (one remove-licenses change per principal).
license_removals := {change.userPrincipalName |
	some change in input.changes
	change.action == "remove-licenses"
}

deny contains msg if {
	count(license_removals) > max_license_removals
	msg := sprintf("the plan removes licenses from %d principals, more than %d: %s", [count(license_removals), max_license_removals, concat(", ", sort(license_removals))])
}

deny contains msg if {
	some change in input.changes
	change.action == "create-user"
	domain := lower(split(change.userPrincipalName, "@")[1])
	not domain in allowed_domains
	msg := sprintf("the plan creates %s, outside the allowed domains (%s)", [change.userPrincipalName, concat(", ", sort(allowed_domains))])
}

# An error diagnostic blocks its principal: apply skips it. Worth a look, not a failure of the check.
warn contains msg if {
	some diagnostic in input.diagnostics
	diagnostic.severity == "error"
	msg := sprintf("%s: %s", [diagnostic.code, diagnostic.message])
}

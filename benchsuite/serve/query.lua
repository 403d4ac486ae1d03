-- wrk script: POST /v1/query for one release of a distribution with advisories.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"package":{"name":"HTTP-Body","ecosystem":"CPAN"},"version":"1.22"}'

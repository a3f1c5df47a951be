-- saffl = 'Y' exactly for randomised subjects with a first dose date.
select studyid, usubjid, randfl, saffl, trtsdt
from {{ ref('dim_subject') }}
where (saffl = 'Y') is distinct from (randfl = 'Y' and trtsdt is not null)

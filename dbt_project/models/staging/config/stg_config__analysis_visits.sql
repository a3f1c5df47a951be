{{ stg_config('cfg_analysis_visits', [
    ['domain', 'text'],
    ['visitnum', 'double'],
    ['avisit', 'text'],
    ['avisitn', 'integer'],
    ['eot_candidate', 'flag'],
]) }}

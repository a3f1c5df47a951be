{{ stg_config('cfg_derived_params', [
    ['paramcd', 'text'],
    ['param', 'text'],
    ['parcat1', 'text'],
    ['avalu', 'text'],
    ['numerator', 'text'],
    ['denominator', 'text'],
    ['numerator_total', 'text'],
    ['numerator_subtract', 'text'],
]) }}

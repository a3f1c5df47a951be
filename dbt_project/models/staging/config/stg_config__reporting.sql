{{ stg_config('cfg_reporting', [
    ['population_flag', 'text'],
    ['population_label', 'text'],
    ['ae_discontinuation_action', 'text'],
    ['ae_discontinuation_reason', 'text'],
    ['ae_plot_min_pct', 'double'],
    ['ae_plot_max_terms', 'integer'],
]) }}
